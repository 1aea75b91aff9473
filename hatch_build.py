"""Build hook: compile the optional C speedups (``scopecast/runtime/_speedups.c``).

hatchling runs this before building a wheel, editable or not. With a C compiler and
Python's headers it compiles ``scopecast.runtime._speedups`` (setuptools' ``build_ext``)
and ships it: an editable install gets it beside its source, a wheel gets it inside and a
platform tag. Without them it prints why and builds the pure-Python package, which computes
the same features more slowly. ``SCOPECAST_BUILD_SPEEDUPS=0`` skips the compilation;
``SCOPECAST_BUILD_SPEEDUPS=required`` makes a failure stop the build.

To compile in place in a checkout without reinstalling: ``python hatch_build.py``.
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

SOURCE = Path("scopecast") / "runtime" / "_speedups.c"
MODULE = "scopecast.runtime._speedups"


def compile_speedups(root: Path, out_dir: Path) -> Path:
    """Compile the speedups of the project at ``root`` into ``out_dir``; the module's path."""
    from setuptools import Distribution, Extension
    from setuptools.command.build_ext import build_ext

    extension = Extension(MODULE, [str(SOURCE)], extra_compile_args=["-O2"])
    distribution = Distribution({"name": "scopecast-speedups", "ext_modules": [extension]})
    command = build_ext(distribution)
    command.build_lib = str(out_dir / "lib")
    command.build_temp = str(out_dir / "temp")
    command.ensure_finalized()
    cwd = Path.cwd()
    os.chdir(root)  # setuptools resolves the sources against the working directory
    try:
        command.run()
    finally:
        os.chdir(cwd)
    return Path(command.get_ext_fullpath(MODULE))


def module_filename() -> str:
    """The file name of the compiled module for this interpreter."""
    return "_speedups" + str(sysconfig.get_config_var("EXT_SUFFIX"))


def compile_in_place(root: Path) -> Path:
    """Compile the speedups and put the module beside its source; its path."""
    with tempfile.TemporaryDirectory() as tmp:
        built = compile_speedups(root, Path(tmp))
        target = root / SOURCE.parent / module_filename()
        staged = target.with_name(target.name + ".tmp")
        shutil.copyfile(built, staged)
        os.replace(staged, target)  # a new file: a process that has the old one loaded keeps it
    return target


try:
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface
except ImportError:  # run as a script, outside a build
    BuildHookInterface = object  # type: ignore[assignment,misc]


class SpeedupsBuildHook(BuildHookInterface):  # type: ignore[misc,valid-type]
    """Compile the C speedups into the wheel (or beside the source for an editable one)."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Compile, or say why not and build without the speedups."""
        if self.target_name != "wheel":
            return
        setting = os.environ.get("SCOPECAST_BUILD_SPEEDUPS", "1").strip().lower()
        if setting in ("0", "false", "no", "off"):
            return
        root = Path(self.root)
        try:
            if version == "editable":
                compile_in_place(root)
            else:
                self._tmp = tempfile.mkdtemp()
                built = compile_speedups(root, Path(self._tmp))
                build_data["force_include"][str(built)] = str(SOURCE.parent / module_filename())
        except Exception as err:  # no compiler, no headers: the pure-Python package
            self.finalize(version, build_data, "")
            if setting == "required":
                raise
            print(
                f"scopecast: the C speedups were not compiled ({type(err).__name__}: {err}); "
                "the pure-Python path will be used (same results, slower plan()).",
                file=sys.stderr,
            )
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        """Remove the temporary build directory of a regular wheel."""
        tmp = getattr(self, "_tmp", None)
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
            self._tmp = None


if __name__ == "__main__":
    print(compile_in_place(Path(__file__).resolve().parent))
