"""Refresh the API docs' files that every baked project serves itself (`make docs-assets`).

The generated service serves Swagger UI (/docs) and ReDoc (/redoc) from copies in its
package, so that the pages work offline, behind a proxy and on air-gapped networks (a CDN
would leave them blank there). This script fetches the two npm packages at the versions
below from the npm registry, checks each download against the registry's own checksum,
copies the files the pages load (with the licences) into the template, and writes
static/README.md with the versions, licences and SHA-256 of each file, which the template's
tests check. Bump a version here and run it; the bake itself never touches the network.
"""

import base64
import hashlib
import io
import json
import shutil
import sys
import tarfile
import urllib.request
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[1]
STATIC = TEMPLATE / "{{cookiecutter.project_slug}}" / "{{cookiecutter.project_slug}}" / "static"
REGISTRY = "https://registry.npmjs.org"

# npm package, version, licence, and the files the pages need (paths inside the package).
PACKAGES = {
    "swagger-ui": (
        "swagger-ui-dist",
        "5.35.0",
        "Apache-2.0",
        [
            *["swagger-ui-bundle.js", "swagger-ui-bundle.js.LICENSE.txt", "swagger-ui.css"],
            *["favicon-32x32.png", "LICENSE", "NOTICE"],
        ],
    ),
    # ReDoc 3 ships its standalone bundle as an ES module, which FastAPI's page cannot load
    # with its plain <script> tag; 2.x is what FastAPI's own page asks its CDN for.
    "redoc": (
        "redoc",
        "2.5.4",
        "MIT",
        ["bundles/redoc.standalone.js", "bundles/redoc.standalone.js.LICENSE.txt", "LICENSE"],
    ),
}
# ReDoc's sidebar shows Redocly's logo from their CDN, the one thing either page would still
# load from elsewhere. An empty data: URL fails to load without a request, and ReDoc then
# hides the logo, as it does whenever the image fails.
REDOC_LOGO = b'"https://cdn.redoc.ly/redoc/logo-mini.svg"'
NO_LOGO = b'"data:,"'


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:
        return bytes(response.read())


def package_files(name: str, version: str, wanted: list[str]) -> dict[str, bytes]:
    """The wanted files of one npm package, from a download the registry vouches for."""
    metadata = json.loads(fetch(f"{REGISTRY}/{name}/{version}"))
    tarball = fetch(metadata["dist"]["tarball"])
    algorithm, expected = metadata["dist"]["integrity"].split("-", 1)
    if base64.b64encode(hashlib.new(algorithm, tarball).digest()).decode() != expected:
        raise SystemExit(f"{name} {version}: the download does not match the registry's checksum")
    files = {}
    with tarfile.open(fileobj=io.BytesIO(tarball)) as archive:
        for path in wanted:
            member = archive.extractfile(f"package/{path}")
            if member is None:
                raise SystemExit(f"{name} {version} has no {path}")
            files[Path(path).name] = member.read()
    return files


def main() -> int:
    rows = []
    shutil.rmtree(STATIC, ignore_errors=True)
    for directory, (name, version, licence, wanted) in PACKAGES.items():
        files = package_files(name, version, wanted)
        if name == "redoc":
            bundle = files["redoc.standalone.js"]
            if bundle.count(REDOC_LOGO) != 1:
                raise SystemExit(f"redoc {version}: the logo URL to replace is not there once")
            files["redoc.standalone.js"] = bundle.replace(REDOC_LOGO, NO_LOGO)
        (STATIC / directory).mkdir(parents=True)
        for file_name, content in sorted(files.items()):
            (STATIC / directory / file_name).write_bytes(content)
            digest = hashlib.sha256(content).hexdigest()
            source = f"{name} {version}"
            rows.append(f"| `{directory}/{file_name}` | {source} | {licence} | `{digest}` |")
    readme = README.format(
        swagger=PACKAGES["swagger-ui"][1], redoc=PACKAGES["redoc"][1], rows="\n".join(rows)
    )
    (STATIC / "README.md").write_text(readme, encoding="utf-8")
    print(f"Wrote {STATIC.relative_to(TEMPLATE)}: swagger-ui-dist and redoc as listed there")
    return 0


README = """# The API docs' own files

`/docs` (Swagger UI {swagger}) and `/redoc` (ReDoc {redoc}) load these files from the service
itself (see `core/docs.py`), so the pages work offline, behind a proxy and on air-gapped networks.
They are copies of the npm packages `swagger-ui-dist` and `redoc`, unchanged but for one
URL: ReDoc's sidebar logo, which it loads from Redocly's CDN, is an empty `data:` URL (the
page hides a logo that does not load). Their licences, and those of the code each bundle
includes (`*.LICENSE.txt`), are beside them.

The template refreshes them (`make docs-assets` there, then `make update` here); do not edit
them by hand. The template's tests check each file against this list.

| file | from npm | licence | SHA-256 |
|---|---|---|---|
{rows}
"""


if __name__ == "__main__":
    sys.exit(main())
