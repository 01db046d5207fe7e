"""Read a Jenkinsfile into a tree of calls with tree-sitter-groovy.

Jenkins' own linter needs a running controller, so tests check syntax (tree-sitter parses
without error nodes) and structure: declarative directives are Groovy calls with closures,
e.g. `stage('Build') { agent { label 'docker' } }` becomes Call('stage', ['Build']) with a
child Call('agent') holding Call('label', ['docker']).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

import tree_sitter as ts
import tree_sitter_groovy as tsg

_CALL_NODES = {"method_invocation", "juxt_function_call"}


@cache
def _parser() -> ts.Parser:
    return ts.Parser(ts.Language(tsg.language()))


@dataclass
class Call:
    """One Groovy call: its name, literal arguments, assignments and nested calls."""

    name: str
    args: list[str] = field(default_factory=list)
    kwargs: dict[str, str] = field(default_factory=dict)
    assignments: dict[str, str] = field(default_factory=dict)  # `X = '...'` in its closure
    children: list[Call] = field(default_factory=list)

    def walk(self) -> Iterator[Call]:
        """This call and every call nested in it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()

    def find(self, name: str) -> list[Call]:
        """Every nested call (not this one) with this name."""
        return [call for child in self.children for call in child.walk() if call.name == name]

    def strings(self, name: str) -> list[str]:
        """First literal argument of every nested `name` call, e.g. strings('label')."""
        return [call.args[0] for call in self.find(name) if call.args]


@dataclass
class Jenkinsfile:
    """A parsed Jenkinsfile: syntax errors (if any) and the top-level calls."""

    errors: list[str]
    root: Call

    def stages(self) -> dict[str, Call]:
        """Every stage by name, nested ones (parallel, matrix) included."""
        return {call.args[0]: call for call in self.root.find("stage") if call.args}

    def pipeline(self) -> Call:
        """The `pipeline { }` block."""
        (pipeline,) = self.root.find("pipeline")
        return pipeline


def parse(source: str | bytes) -> Jenkinsfile:
    """Parse Jenkinsfile text; `errors` lists the spans tree-sitter could not parse."""
    data = source.encode() if isinstance(source, str) else source
    tree = _parser().parse(data)
    errors = [
        f"line {node.start_point[0] + 1}: {data[node.start_byte : node.end_byte][:80]!r}"
        for node in _error_nodes(tree.root_node)
    ]
    return Jenkinsfile(errors=errors, root=Call("<root>", children=_calls(tree.root_node)))


def _error_nodes(node: ts.Node) -> Iterator[ts.Node]:
    if node.type == "ERROR" or node.is_missing:
        yield node
        return
    for child in node.children:
        yield from _error_nodes(child)


def _literal(node: ts.Node) -> str | None:
    text = node.text.decode()
    if node.type == "character_literal":  # the grammar's name for '...' strings
        return text[1:-1]
    if node.type == "string_literal":
        quote = 3 if text.startswith(('"""', "'''")) else 1
        return text[quote:-quote]
    if node.type in {"identifier", "decimal_integer_literal", "true", "false"}:
        return text
    return None


def _call(node: ts.Node) -> Call | None:
    head = node.children[0] if node.children else None
    if node.type == "local_variable_declaration":
        # `agent none` parses as a declaration of variable `none` with type `agent`.
        kind = node.child_by_field_name("type")
        declarator = node.child_by_field_name("declarator")
        if kind is not None and declarator is not None:
            return Call(kind.text.decode(), [declarator.text.decode()])
        return None
    if node.type not in _CALL_NODES or head is None or head.type != "identifier":
        return None
    call = Call(head.text.decode())
    for part in node.children[1:]:
        if part.type == "argument_list":
            for arg in part.named_children:
                if arg.type == "map_item":
                    key, value = arg.named_children[0], arg.named_children[-1]
                    call.kwargs[key.text.decode()] = _literal(value) or value.text.decode()
                elif (value := _literal(arg)) is not None:
                    call.args.append(value)
            call.children.extend(_calls(part))  # withCredentials([usernamePassword(...)])
        elif part.type == "closure":
            call.children.extend(_calls(part))
            call.assignments.update(_assignments(part))
    return call


def _calls(node: ts.Node) -> list[Call]:
    found: list[Call] = []
    for child in node.children:
        call = _call(child)
        if call is not None:
            found.append(call)
        elif child.type != "closure":  # a closure belongs to the call that owns it
            found.extend(_calls(child))
    return found


def _assignments(closure: ts.Node) -> dict[str, str]:
    result: dict[str, str] = {}
    for child in closure.named_children:
        node = child.named_children[0] if child.type == "expression_statement" else child
        if node.type == "assignment_expression" and node.named_children:
            target, value = node.named_children[0], node.named_children[-1]
            result[target.text.decode()] = _literal(value) or value.text.decode()
    return result
