"""The article-ingest pipeline: options, graph and entry points."""
import signal as _signal
from importlib import metadata as _metadata


def stop_signals() -> tuple[int, ...]:
    """The signals that stop a command as Ctrl-C does, besides SIGINT: SIGTERM, and SIGHUP
    (a closed terminal) unless it is ignored (`nohup`), when it stays ignored."""
    hangup = () if _signal.getsignal(_signal.SIGHUP) is _signal.SIG_IGN else (_signal.SIGHUP,)
    return (_signal.SIGTERM, *hangup)


def version() -> str:
    """The installed distribution's version: `article-ingest --version`, and run.json."""
    try:
        return _metadata.version("article-ingest")
    except _metadata.PackageNotFoundError:
        return "unknown"
