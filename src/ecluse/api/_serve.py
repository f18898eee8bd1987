"""Running the API with uvicorn: each worker process opens the installation itself."""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from pathlib import Path

from fastapi import FastAPI

__all__ = ["app_from_environment", "serve"]

_DATA_DIR_VAR = "ECLUSE_DATA_DIR"
_BENCH_VAR = "ECLUSE_API_BENCH"
_WRITER_VAR = "ECLUSE_LEDGER_WRITER"


def app_from_environment() -> FastAPI:
    """uvicorn factory: the installation named by ``ECLUSE_DATA_DIR`` (set by :func:`serve`)."""
    from ecluse.api._app import create_app
    from ecluse.installation import open_installation

    data_dir = os.environ.get(_DATA_DIR_VAR)
    inst = open_installation(Path(data_dir) if data_dir else None)
    app = create_app(inst, bench=os.environ.get(_BENCH_VAR) == "1")
    # Several workers: their views' ledger entries go to the one writer process (see
    # ecluse.ledger._writer), one group commit for all of them.
    app.state.ecluse.ledger.use_writer(os.environ.get(_WRITER_VAR) or None)
    # Everything made so far (modules, the app, the policies, SQLAlchemy's tables) lives as
    # long as the process: out of the collector's sight, a full collection no longer walks
    # it. Before this, every few seconds under load a full collection stopped the worker
    # for 70-110 ms, finding nothing to free, and made the p99 of whatever it interrupted.
    gc.collect()
    gc.freeze()
    return app


def serve(
    data_dir: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    *,
    secure_cookie: bool | None = None,
    access_log: bool = True,
    bench: bool = False,
) -> None:
    """Serve the API until interrupted (``workers`` processes; each opens the installation)."""
    import uvicorn
    from uvicorn.config import STARTUP_FAILURE

    from ecluse.api._logging import log_config
    from ecluse.installation import open_installation

    # Open once here so a bad data directory fails with a clear message before forking;
    # migrations run once, not in every worker.
    open_installation(data_dir).close()
    os.environ[_DATA_DIR_VAR] = str(Path(data_dir).resolve())
    if secure_cookie is not None:
        os.environ["ECLUSE_API_SECURE_COOKIE"] = "1" if secure_cookie else "0"
    if bench:
        os.environ[_BENCH_VAR] = "1"
    config = uvicorn.Config(
        "ecluse.api._serve:app_from_environment",
        factory=True,
        host=host,
        port=port,
        access_log=access_log,
        log_config=log_config(),
        log_level="info",
        proxy_headers=True,
    )
    if workers > 1:
        # Not uvicorn's supervisor: it shares one socket between the workers, which then
        # take very unequal shares of the connections (see _workers).
        from ecluse.api._workers import ledger_writer, run_workers

        with ledger_writer(Path(data_dir)) as writer:
            os.environ[_WRITER_VAR] = writer.path
            status = run_workers(config, workers, writer)
    else:
        server = uvicorn.Server(config)
        with contextlib.suppress(KeyboardInterrupt):
            server.run()
        status = 0 if server.started else STARTUP_FAILURE
    if status:
        sys.exit(status)
