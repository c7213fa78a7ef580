"""Reads dlt's rest_api test files (dlt-hub/dlt, tests/sources/rest_api and tests/sources/helpers/rest_client)
with Python's ast module -- no dlt install, no code run -- and prints the literal data of their module-level
lists and @pytest.mark.parametrize arguments as JSON. Python-only values become markers: {"$name": X},
{"$call": F, "args": [...], "kwargs": {...}}, {"$lambda": source}. The JSON files beside this script were
written from its output by hand-checked translation (each case names its dlt file and test).

usage: python3 extract.py <dlt checkout> <test file relative to it>
"""
import ast
import json
import sys


def conv(node, src, consts):
    if isinstance(node, ast.Constant):
        return {"$bytes": node.value.decode("latin-1")} if isinstance(node.value, bytes) else node.value
    if isinstance(node, ast.Dict):
        return {str(conv(k, src, consts)): conv(v, src, consts) for k, v in zip(node.keys, node.values)}
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [conv(e, src, consts) for e in node.elts]
    if isinstance(node, ast.Name):
        if node.id in consts:
            return consts[node.id]
        return {"$name": node.id}
    if isinstance(node, ast.Attribute):
        return {"$name": ast.get_source_segment(src, node)}
    if isinstance(node, ast.Lambda):
        return {"$lambda": ast.get_source_segment(src, node)}
    if isinstance(node, ast.Call):
        return {
            "$call": ast.get_source_segment(src, node.func),
            "args": [conv(a, src, consts) for a in node.args],
            "kwargs": {k.arg: conv(k.value, src, consts) for k in node.keywords if k.arg},
        }
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        v = conv(node.operand, src, consts)
        return -v if isinstance(v, (int, float)) else {"$expr": ast.get_source_segment(src, node)}
    return {"$expr": ast.get_source_segment(src, node)}


def main(root, rel):
    src = open(f"{root}/{rel}").read()
    tree = ast.parse(src)
    consts, out = {}, {"module": {}, "parametrize": []}
    for stmt in tree.body:
        target = None
        if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
            target, value = stmt.targets[0].id, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value:
            target, value = stmt.target.id, stmt.value
        if target:
            consts[target] = conv(value, src, consts)
            out["module"][target] = consts[target]
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for dec in node.decorator_list:
                if isinstance(dec, ast.Call) and ast.get_source_segment(src, dec.func).endswith("parametrize"):
                    out["parametrize"].append(
                        {
                            "test": node.name,
                            "line": node.lineno,
                            "names": conv(dec.args[0], src, consts),
                            "values": conv(dec.args[1], src, consts),
                        }
                    )
    json.dump(out, sys.stdout, indent=1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
