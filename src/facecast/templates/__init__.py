"""Templates: ready-made target videos ("scripts") a user picks instead of uploading one.

Each is a manifest (`manifest.Manifest`) plus its media, installed under
`$FACECAST_HOME/templates/` (`store`). The package ships five manifests and their clips
(`builtin/videos/`, LivePortrait's examples under its MIT licence); the server installs them
on start (`install_shipped`), and `facecast templates install --from DIR` installs them from
any folder that has the same clips.
"""

from facecast.templates.manifest import Manifest, builtin_manifests
from facecast.templates.store import (
    Template,
    add,
    face_picture,
    get_template,
    install,
    install_shipped,
    list_templates,
    remove,
    templates_dir,
    thumbnail,
)

__all__ = ["Manifest", "Template", "add", "builtin_manifests", "face_picture", "get_template",
           "install", "install_shipped", "list_templates", "remove", "templates_dir", "thumbnail"]
