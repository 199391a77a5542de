"""Run localstripe for the test suite: 127.0.0.1, a free port, in memory, idempotent.

`python tests/payments/localstripe_server.py` prints `PORT <n>` once it listens.

Three gaps between the stock `localstripe` command (1.15.10) and what the suite needs,
each closed here without patching the installed package:

- it binds `[::]:<port>` and needs a port chosen up front; here the socket is bound to
  127.0.0.1 port 0, so parallel runs never race for a port and nothing listens outside;
- it loads and rewrites /tmp/localstripe.pickle on every write, which parallel runs
  would share; here the store lives in memory only;
- it ignores the `Idempotency-Key` header. Real Stripe saves the status and body of
  the first request made with a key and replays them for any retry with the same
  key (`Idempotent-Replayed: true`), and answers 400 `idempotency_error` when the
  key is reused with other parameters. A small middleware does exactly that, so the
  tests exercise the shop's keys against those documented semantics.
"""

from __future__ import annotations

import logging
import socket
import sys

from aiohttp import web
from localstripe import resources, server

resources.Store.dump_to_disk = lambda self: None  # in memory only

_saved: dict[tuple[str, str], tuple[str, str, bytes, int, bytes, str]] = {}


@web.middleware
async def idempotency_middleware(request: web.Request, handler):
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or not key:
        return await handler(request)
    body = await request.read()  # cached by aiohttp: the handler can read it again
    account = request.headers.get("Authorization", "")
    saved = _saved.get((account, key))
    if saved is not None:
        method, path, first_body, status, response_body, content_type = saved
        if (method, path, first_body) != (request.method, request.path_qs, body):
            return web.json_response(
                {
                    "error": {
                        "type": "idempotency_error",
                        "message": (
                            "Keys for idempotent requests can only be used with the same "
                            f"parameters they were first used with. Try using a key other "
                            f"than '{key}' if you meant to execute a different request."
                        ),
                    }
                },
                status=400,
            )
        response = web.Response(status=status, body=response_body, content_type=content_type)
        response.headers["Idempotent-Replayed"] = "true"
        response.headers["Idempotency-Key"] = key
        return response
    response = await handler(request)
    _saved[(account, key)] = (
        request.method,
        request.path_qs,
        body,
        response.status,
        bytes(response.body or b""),
        response.content_type,
    )
    response.headers["Idempotency-Key"] = key
    return response


def main() -> None:
    server.app.middlewares.insert(0, idempotency_middleware)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    # Listening before the event loop starts: early connections wait in the backlog.
    sock.listen(128)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    web.run_app(server.app, sock=sock, print=None, access_log=None)


if __name__ == "__main__":
    main()
