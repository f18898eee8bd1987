"""Appends to a ledger until killed, printing each acknowledged index (for crash tests).

Usage: python _appender.py DB_URL TAG THREADS [COUNT]
"""

from __future__ import annotations

import sys
import threading

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ecluse.db import create_engine
from ecluse.ledger import Ledger, NewEntry

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


def main() -> None:
    url, tag, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 10**9
    led = Ledger(create_engine(url), KEY, checkpoint_every=25)
    out = threading.Lock()

    def work(t: int) -> None:
        for n in range(count):
            idx = led.append(NewEntry("view", f"{tag}-{t}", details={"n": n}))
            with out:
                sys.stdout.write(f"{idx} {tag}-{t} {n}\n")
                sys.stdout.flush()

    print("ready", flush=True)
    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    led.close()


if __name__ == "__main__":
    main()
