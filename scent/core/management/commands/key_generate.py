from django.core.management.base import BaseCommand
from django.core.management.utils import get_random_secret_key


class Command(BaseCommand):
    help = (
        "Print a fresh APP_KEY (Django's SECRET_KEY). Laravel's `php artisan key:generate`; "
        "also available as `scent key:generate`. Set it with `fly secrets set APP_KEY=...` or in .env."
    )

    def handle(self, *args, **options) -> None:
        # 50 random characters from Django's own generator pass `check --deploy`.
        self.stdout.write("base64:" + get_random_secret_key() + get_random_secret_key()[:14])
