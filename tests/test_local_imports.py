"""A symbol imported inside a function (a lazy import) or under a guard (``try: import openai``,
an optional dependency) is replaced with an import in the same place, not at the module's top:
there the provider SDK would be needed to import the module at all, which is what the lazy or
guarded import was written to avoid.  Proven by importing the migrated module where the provider
SDK cannot be imported."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from migrator.engine import migrate_source
from migrator.ruleset import load_all, select

LAZY = '''\
def ask(q):
    from openai import OpenAI

    client = OpenAI()
    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}]).choices[0].message.content


def other():
    from openai import OpenAI

    return OpenAI().beta.assistants.create(model="gpt-4o", name="x")
'''

GUARDED = '''\
try:
    import openai
except ImportError:  # optional
    pass


def ask(q):
    return openai.OpenAI().chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}]).choices[0].message.content
'''

TOP = '''\
from openai import OpenAI


def ask(q):
    return OpenAI().chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}]).choices[0].message.content
'''


def _zhipu_native():
    return select(load_all([]), "zhipu", "native")


def _imports_without(tmp_path: Path, source: str, missing: str) -> subprocess.CompletedProcess:
    """Import ``source`` as a module where ``missing`` cannot be imported."""
    (tmp_path / "mod.py").write_text(source, encoding="utf-8")
    probe = f"import sys\nsys.modules[{missing!r}] = None\nimport mod\nprint('imported')\n"
    return subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=60)


def test_a_lazy_import_stays_in_its_function(tmp_path: Path):
    result = migrate_source(LAZY, "app.py", _zhipu_native())
    out = result.output
    assert "    from zhipuai import ZhipuAI\n\n    client = ZhipuAI(" in out, out
    assert not any(line.startswith("from zhipuai") for line in out.splitlines()), out
    # the function that still names OpenAI keeps its import and gets none of the provider's
    assert out.split("def other():")[1].startswith("\n    from openai import OpenAI\n\n"), out
    assert "from zhipuai" not in out.split("def other():")[1]
    assert migrate_source(out, "app.py", _zhipu_native()).output == out  # a second run changes nothing
    done = _imports_without(tmp_path, out, "zhipuai")
    assert done.returncode == 0 and "imported" in done.stdout, done.stderr


def test_a_guarded_module_import_stays_guarded(tmp_path: Path):
    out = migrate_source(GUARDED, "app.py", _zhipu_native()).output
    assert out.startswith("try:\n    import zhipuai\nexcept ImportError:  # optional\n    pass\n"), out
    assert "zhipuai.ZhipuAI(" in out
    done = _imports_without(tmp_path, out, "zhipuai")
    assert done.returncode == 0, done.stderr


def test_an_import_at_the_top_is_replaced_at_the_top():
    out = migrate_source(TOP, "app.py", _zhipu_native()).output
    assert out.startswith(
        textwrap.dedent("""\
        import os

        from zhipuai import ZhipuAI
        """)
    ), out
