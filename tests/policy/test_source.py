"""Cutting Cedar files into statements: line numbers and comments survive any spacing,
comments, or semicolons and slashes inside strings."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from ecluse.policy._source import split_statements

STRING_TEXT = st.text(alphabet=string.ascii_letters + ' ;/*@"\\', max_size=12).map(
    lambda s: s.replace("\\", "\\\\").replace('"', '\\"')
)
COMMENT = st.text(alphabet=string.ascii_letters + " ;/@\"'", max_size=20)


@st.composite
def policy_file(draw: st.DrawFn) -> tuple[str, list[tuple[int, str, str]]]:
    """A file of policies; returns it and, per policy, (first line, @id, comment)."""
    lines: list[str] = []
    expected = []
    if draw(st.booleans()):
        lines += ["// file header; with a semicolon", ""]
    for index in range(draw(st.integers(0, 5))):
        lines += [""] * draw(st.integers(0, 2))
        comment = draw(COMMENT).strip()
        if comment:
            lines.append(f"// {comment}")
        start = len(lines) + 1
        literal = draw(STRING_TEXT)
        lines += [
            f'@id("p{index}")',
            "permit (principal, action, resource)",
            f'when {{ principal.vendor == "{literal}" }}; // trailing; comment',
        ]
        expected.append((start, f"p{index}", comment))
    if draw(st.booleans()):
        lines += ["", "// a closing comment; nothing after it"]
    return "\n".join(lines) + "\n", expected


@settings(deadline=None)
@given(policy_file())
def test_statements_start_where_their_policy_starts(
    case: tuple[str, list[tuple[int, str, str]]],
) -> None:
    text, expected = case
    statements = split_statements(text)
    assert [(s.line, s.comment) for s in statements] == [(line, c) for line, _, c in expected]
    for statement, (_, policy_id, _) in zip(statements, expected, strict=True):
        assert statement.text.startswith(f'@id("{policy_id}")')
        assert statement.text.rstrip().endswith("};")


def test_an_unterminated_tail_is_a_statement() -> None:
    statements = split_statements('@id("a")\npermit (principal, action, resource);\n\n@id("b")\n')
    assert [s.line for s in statements] == [1, 4]
    assert statements[1].text.strip() == '@id("b")'
