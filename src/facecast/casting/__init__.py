"""Choosing faces: the list of people found in a video or photo (`face_list`), which of them
a swap replaces and with whom (`selection`), and their thumbnails (`thumbs`)."""
