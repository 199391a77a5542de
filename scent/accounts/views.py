from django.contrib.auth import login
from django.contrib.auth.forms import BaseUserCreationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from scent.accounts.models import User


class RegistrationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


def register(request: HttpRequest) -> HttpResponse:
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("catalog:home")
    return render(request, "accounts/register.html", {"form": form})
