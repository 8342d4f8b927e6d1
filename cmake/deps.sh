#!/bin/sh
# Install the Debian packages carbonmc needs to build, test and plot. Idempotent:
# when everything is already installed it does nothing (and needs no network).
# clang, libclang-rt-14-dev (libFuzzer) and libomp-14-dev (OpenMP for clang) build
# the fuzz targets (cmake -DCMC_FUZZ=ON, README "Fuzzing"). libopenmpi-dev and
# openmpi-bin: the optional MPI build (cmake -DCMC_MPI=ON, docs/scale.md).
set -eu
PKGS="build-essential cmake pkg-config libgsl-dev libhdf5-dev hdf5-tools
      librandom123-dev gnuplot-nox fonts-dejavu-core python3 python3-numpy
      python3-h5py python3-scipy python3-xarray python3-h5netcdf clang libclang-rt-14-dev libomp-14-dev \
      libudunits2-dev libopenmpi-dev openmpi-bin"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "carbonmc: installing:$missing" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
