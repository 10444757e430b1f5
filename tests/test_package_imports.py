"""The package's import graph: no cycle, and models never import evaluation."""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1] / "tfflowgan"
MODEL_PACKAGES = ("objectives", "generators", "critics", "bijectors")


def _module_name(path):
  parts = path.relative_to(ROOT.parent).with_suffix("").parts
  return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph():
  """{module: set of tfflowgan modules it imports} from the source (ast), a
  `from package import name` counting as an import of package.name when that
  is a module."""
  modules = {_module_name(p): p for p in ROOT.rglob("*.py")}
  graph = {}
  for name, path in modules.items():
    deps = set()
    for node in ast.walk(ast.parse(path.read_text())):
      if isinstance(node, ast.Import):
        deps.update(a.name for a in node.names if a.name.startswith("tfflowgan"))
      elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
          and node.module.startswith("tfflowgan"):
        for a in node.names:
          sub = f"{node.module}.{a.name}"
          deps.add(sub if sub in modules else node.module)
    graph[name] = {d for d in deps if d in modules and d != name}
  return graph


def _cycle(graph):
  """A list of modules forming a cycle, or None (depth-first search)."""
  state, stack = {}, []

  def visit(node):
    state[node] = "open"
    stack.append(node)
    for dep in sorted(graph[node]):
      if state.get(dep) == "open":
        return stack[stack.index(dep):] + [dep]
      if dep not in state:
        found = visit(dep)
        if found:
          return found
    state[node] = "done"
    stack.pop()
    return None

  for node in sorted(graph):
    if node not in state:
      found = visit(node)
      if found:
        return found
  return None


def test_cycle_finder_finds_a_planted_cycle():
  assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
  assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_in_the_package():
  assert _cycle(import_graph()) is None


def test_models_do_not_import_evaluation():
  bad = [(m, d) for m, deps in import_graph().items() for d in deps
         if m.split(".")[1:2] and m.split(".")[1] in MODEL_PACKAGES
         and d.startswith("tfflowgan.evaluation")]
  assert not bad, bad
