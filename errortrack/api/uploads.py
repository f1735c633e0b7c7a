"""What sentry-cli asks before uploading files, and its native debug files (`debug-files
upload`), which errortrack does not process.

`GET …/chunk-upload/` answers the CLI's upload options (PROTOCOL §9, §12.1): without them
`debug-files upload` never reaches its assemble call. Storing chunks, and the artifact-bundle
assemble, belong to the releases work; until then a chunk POST is not served here.
`POST …/files/difs/assemble/` answers every file with `state: "error"`, so the CLI stops at
once and prints why instead of uploading chunks for nothing.
"""

from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from errortrack import access
from errortrack.api.pagination import paged
from errortrack.api.schema import detail, listing

CHUNK_SIZE = 8 * 1024 * 1024  # a power of two (cli ≤ 2.39.1 needs one)
MAX_FILES_PER_ASSEMBLE = 1000
DIF_DETAIL = ("errortrack does not support native debug files (dSYM, PDB, ELF, Breakpad, "
              "ProGuard): native stack traces are not symbolicated, so nothing was uploaded")


def chunk_options(request: Request, org_slug: str) -> dict:
    """The options sentry-cli 3.x requires (`url`, non-zero `chunkSize`, `chunksPerRequest`,
    `maxRequestSize`, `hashAlgorithm`, `concurrency`: cli src/api/data_types/chunking/
    upload/options.rs) plus `accept` for 2.x."""
    url = request.build_absolute_uri(f"/api/0/organizations/{org_slug}/chunk-upload/")
    return {"url": url, "chunkSize": CHUNK_SIZE, "chunksPerRequest": 64,
            "maxRequestSize": 32 * 1024 * 1024,
            "maxFileSize": 2 * 1024 ** 3,
            "maxWait": 60, "concurrency": 8, "hashAlgorithm": "sha1",
            "compression": ["gzip"],
            "accept": ["debug_files", "release_files", "artifact_bundles", "sources"]}


class ChunkUploadOptions(APIView):
    required_scopes = {"GET": "project:read"}

    @detail(description="sentry-cli's chunk upload options")
    def get(self, request: Request, org_slug: str) -> Response:
        organization = access.get_organization_for_user(request.user, org_slug)
        return Response(chunk_options(request, organization.slug))


class DifAssemble(APIView):
    """`{"<sha1>": {name, debug_id?, chunks[]}}` → the same keys, each refused with a reason
    (cli src/api/data_types/chunking/dif.rs reads `state`, `missingChunks`, `detail`)."""

    required_scopes = {"POST": "project:read"}  # it changes nothing

    @detail(description="Native debug files are refused, each with the reason")
    def post(self, request: Request, org_slug: str, project_slug: str) -> Response:
        access.get_project_for_user(request.user, org_slug, project_slug)
        files = request.data
        if not isinstance(files, dict):
            raise ParseError("The body must map file checksums to {name, chunks}.")
        if len(files) > MAX_FILES_PER_ASSEMBLE:
            raise ParseError(f"At most {MAX_FILES_PER_ASSEMBLE} files per request.")
        return Response({str(checksum)[:64]: {"state": "error", "missingChunks": [],
                                              "detail": DIF_DETAIL}
                         for checksum in files})


class RepositoryList(APIView):
    """Always empty until errortrack keeps repositories (the releases work adds them):
    sentry-cli `repos list` prints an empty table and GitLab finds no repository."""

    required_scopes = {"GET": "org:read"}

    @listing()
    def get(self, request: Request, org_slug: str) -> Response:
        access.get_organization_for_user(request.user, org_slug)
        return paged(request, [], dict)
