"""Templates: ready-made target videos ("scripts") a user picks instead of uploading one.

Each is a manifest (`manifest.Manifest`) plus its media, installed under
`$FACECAST_HOME/templates/` (`store`). The package ships five manifests bound to the test
media's clips; `facecast templates install --from $FACECAST_MEDIA` installs them.
"""

from facecast.templates.manifest import Manifest, builtin_manifests
from facecast.templates.store import (
    Template,
    add,
    face_picture,
    get_template,
    install,
    list_templates,
    remove,
    templates_dir,
    thumbnail,
)

__all__ = ["Manifest", "Template", "add", "builtin_manifests", "face_picture", "get_template",
           "install", "list_templates", "remove", "templates_dir", "thumbnail"]
