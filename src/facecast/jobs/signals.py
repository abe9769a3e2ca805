"""The two ways a worker stops a running job from inside its progress callback."""


class JobCancelled(Exception):  # noqa: N818 (a signal, not an error)
    """The job's owner cancelled it: it ends `cancelled`."""


class JobInterrupted(Exception):  # noqa: N818
    """The server is shutting down: the job goes back to the queue and runs again later."""
