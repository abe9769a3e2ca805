"""Long videos in pieces: cut (`plan`), each piece swapped or edited by the existing loop
after a warm-up (`work`), in local processes (`local`) or Celery workers (`facecast.jobs.
celery`), and joined without re-encoding (`join`)."""
