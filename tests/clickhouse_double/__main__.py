"""``python -m tests.clickhouse_double --port N --path DIR``: serve until stopped."""

from __future__ import annotations

import argparse
import signal
import sys

from tests.clickhouse_double.server import make_server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="ClickHouse HTTP test double over chDB")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True, help="chDB data directory")
    args = parser.parse_args(argv)
    server = make_server(args.host, args.port, args.path)
    # SIGTERM ends serve_forever through KeyboardInterrupt's path: one clean close of chDB.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    print(f"clickhouse double on http://{args.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
