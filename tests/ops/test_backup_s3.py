"""BACKUP_DISK=s3 (and media on S3): backup, list and restore through django-storages.

An S3-compatible server (moto's, on 127.0.0.1, port picked by the OS) stands in for the
bucket; the shop runs as `scent` subprocesses configured only through the environment.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENT = str(Path(sys.executable).parent / "scent")

pytestmark = pytest.mark.slow

POPULATE = """
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from tests.factories import ProductFactory
ProductFactory(name="Cedarwood")
ProductFactory(name="Vetiver")
print(default_storage.save("products/cedarwood.jpg", ContentFile(b"cedar picture")))
"""

COUNT = """
from scent.catalog.models import Product
print("products", Product.objects.count())
"""


@pytest.fixture
def s3():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    for bucket in ("shop-media", "shop-backups"):
        client.create_bucket(Bucket=bucket)
    yield endpoint, client
    server.stop()


def _run(env, *args):
    result = subprocess.run(
        [SCENT, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"scent {args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_backup_to_s3_and_restore_from_it(tmp_path, s3):
    endpoint, client = s3
    database = tmp_path / "shop.sqlite3"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DB_", "AWS_", "BACKUP_", "PYTEST", "FILESYSTEM_"))
    }
    env |= {
        "APP_ENV": "local",
        "APP_ENV_FILE": str(tmp_path / "no.env"),
        "DB_CONNECTION": "sqlite",
        "DB_DATABASE": str(database),
        "STORAGE_PATH": str(tmp_path / "storage"),
        "CACHE_DRIVER": "locmem",
        "LOG_LEVEL": "warning",
        "PYTHONPATH": str(ROOT),
        "FILESYSTEM_DISK": "s3",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_S3": endpoint,
        "AWS_USE_PATH_STYLE_ENDPOINT": "true",
        "AWS_BUCKET": "shop-media",
        "BACKUP_DISK": "s3",
        "BACKUP_AWS_BUCKET": "shop-backups",
        "BACKUP_PASSPHRASE": "a long passphrase for s3 backups",
    }
    # given a shop whose media live in one bucket
    _run(env, "migrate", "--noinput")
    assert "products/cedarwood.jpg" in _run(env, "shell", "-c", POPULATE)

    # when it is backed up to another bucket
    assert "Backup scent-" in _run(env, "backup")
    keys = [o["Key"] for o in client.list_objects_v2(Bucket="shop-backups")["Contents"]]
    assert len(keys) == 1 and keys[0].startswith("backups/scent-")
    assert keys[0].endswith(".tar.gz.enc")
    # and nobody but the owner may read it
    grants = client.get_object_acl(Bucket="shop-backups", Key=keys[0])["Grants"]
    assert all("AllUsers" not in str(g.get("Grantee", {})) for g in grants)
    listing = _run(env, "backup", "list")
    assert keys[0].removeprefix("backups/") in listing

    # and both the database and the media are lost
    database.unlink()
    client.delete_object(Bucket="shop-media", Key="products/cedarwood.jpg")

    # then restoring from the bucket brings them back
    _run(env, "restore", "--noinput")
    assert "products 2" in _run(env, "shell", "-c", COUNT)
    body = client.get_object(Bucket="shop-media", Key="products/cedarwood.jpg")["Body"].read()
    assert body == b"cedar picture"
