"""Writes the conformance cases (one JSON file per dlt test file) from dlt's test sources.

    python3 test/conformance/dlt/translate.py <dlt checkout> <commit>

It reads literal data with extract.py (ast, nothing executed) and turns each parametrized case into a case
of one kind the runner (test/conformance/dlt.test.ts) knows. What a case expects is dlt's outcome, taken
from the test body (quoted in `asserts`). Python-only inputs are marked not applicable with the reason;
where a JS function can stand in, the case names the stand-in (`{"$js": name}`, defined in the runner).
Literal secrets become secret references (streamtap refuses a literal token: a documented deviation),
noted in the case's `adapted`.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from extract import main as _unused  # noqa: F401  (same folder; keeps the two in step)
import ast  # noqa: E402
import extract  # noqa: E402

ROOT, COMMIT = sys.argv[1], sys.argv[2]
OUT = os.path.dirname(os.path.abspath(__file__))
SECRET_KEYS = {"token", "api_key", "password", "client_secret", "access_token"}


def load(rel):
    src = open(f"{ROOT}/{rel}").read()
    tree = ast.parse(src)
    consts, params = {}, {}
    for stmt in tree.body:
        target = None
        if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
            target, value = stmt.targets[0].id, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value:
            target, value = stmt.target.id, stmt.value
        if target:
            consts[target] = extract.conv(value, src, consts)
    return src, tree, consts


def parametrized(rel, consts_from=None):
    src, tree, consts = load(rel)
    if consts_from:
        consts = {**consts_from, **consts}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for dec in node.decorator_list:
                if isinstance(dec, ast.Call) and ast.get_source_segment(src, dec.func).endswith("parametrize"):
                    values = extract.conv(dec.args[1], src, consts)
                    out.append((node.name, extract.conv(dec.args[0], src, consts), values))
    return out


def python_only(value, path=""):
    """The first Python-only marker inside a value, as a reason, or None."""
    if isinstance(value, dict):
        for key in ("$call", "$name", "$lambda", "$expr"):
            if key in value:
                return f"{path or 'value'} is Python ({value[key] if key != '$call' else value[key] + '(...)'})"
        for k, v in value.items():
            r = python_only(v, f"{path}.{k}" if path else k)
            if r:
                return r
    if isinstance(value, list):
        for i, v in enumerate(value):
            r = python_only(v, f"{path}[{i}]")
            if r:
                return r
    return None


def adapt_secrets(value, notes, key=None):
    if isinstance(value, dict):
        return {k: adapt_secrets(v, notes, k) for k, v in value.items()}
    if isinstance(value, list):
        return [adapt_secrets(v, notes) for v in value]
    if key in SECRET_KEYS and isinstance(value, str):
        notes.add("literal secret -> secret reference (streamtap refuses literal secrets: deliberate deviation)")
        return {"$secret": f"conformance_{key}"}
    return value


# Python values a TS config can express: the stand-in is data the runner understands.
STAND_INS = {
    "SinglePagePaginator()": {"type": "single_page"},
    "OffsetPaginator(limit=100)": {"type": "offset", "limit": 100},
}


def stand_in(value, notes):
    if isinstance(value, dict):
        if "$call" in value:
            text = value["$call"] + "(" + ",".join(json.dumps(a) for a in value["args"]) + ")"
            if value["$call"] in ("SinglePagePaginator",) and not value["args"]:
                notes.add("SinglePagePaginator() -> {type: single_page}")
                return {"type": "single_page"}
            if value["$call"] == "HttpBasicAuth" and len(value["args"]) == 2:
                notes.add(f"{text} -> {{type: http_basic}}")
                return {"type": "http_basic", "username": value["args"][0], "password": value["args"][1]}
            return value
        if "$lambda" in value:
            src = value["$lambda"]
            if src in ("lambda event: event[\"type\"]", "lambda item: item[\"type\"]"):
                notes.add(f"{src} -> JS function (record) => record.type")
                return {"$js": "table_name_from_type"}
            return value
        return {k: stand_in(v, notes) for k, v in value.items()}
    if isinstance(value, list):
        return [stand_in(v, notes) for v in value]
    return value


def config_case(test, index, config, kind, expect, asserts):
    notes = set()
    config = stand_in(config, notes)
    config = adapt_secrets(config, notes)
    case = {"id": f"{test}[{index}]", "test": test, "kind": kind, "config": config, "expect": expect, "asserts": asserts}
    if notes:
        case["adapted"] = sorted(notes)
    reason = python_only(config)
    if reason:
        case["not_applicable"] = reason + ": a Python object with no config form"
    return case


def write(rel, cases, untranslated=None):
    name = os.path.basename(rel).replace(".py", ".json")
    doc = {
        "source": {"repo": "dlt-hub/dlt", "commit": COMMIT, "file": rel},
        "untranslated": untranslated or {},
        "cases": cases,
    }
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"{name}: {len(cases)} cases")


# ── tests/sources/rest_api/configurations/test_configuration.py ──
SC = "tests/sources/rest_api/configurations/source_configs.py"
_, _, sc = load(SC)
cases = []
for i, c in enumerate(sc["INVALID_CONFIGS"]):
    kw = c["kwargs"]
    cases.append(
        config_case(
            "test_invalid_configurations", i, kw["config"], "config_invalid",
            {"dlt_exception": kw["exception"]["$name"], "dlt_message": kw["expected_message"]},
            "with pytest.raises(exception, match=expected_message): rest_api_source(invalid_config)",
        )
    )
for i, c in enumerate(sc["VALID_CONFIGS"]):
    cases.append(config_case("test_valid_configurations", i, c, "config_valid", {}, "rest_api_source(valid_config)"))
for i, c in enumerate(sc["VALID_CONFIGS"]):
    cases.append(
        config_case(
            "test_configurations_dict_is_not_modified_in_place", i, c, "config_not_mutated", {},
            "config_copy = deepcopy(config); rest_api_source(config); assert config_copy == config",
        )
    )
TC = "tests/sources/rest_api/configurations/test_configuration.py"
for test, names, values in parametrized(TC):
    if test in ("test_paginator_overrides", "test_paginator_overrides_single_entity_paths"):
        for i, (config, client, endpoint) in enumerate(values):
            # dlt hands RESTClient the client paginator and the endpoint paginator; the endpoint one wins when set.
            effective = endpoint if endpoint not in (None,) else client
            if isinstance(effective, dict) and effective.get("$name") == "SinglePagePaginator":
                effective = "single_page"
            cases.append(
                config_case(
                    test, i, config, "effective_paginator",
                    {"paginator": effective, "resource": -1 if test.endswith("entity_paths") else 0},
                    "the paginator RESTClient.paginate uses: the endpoint's if set, else the client's "
                    "(markers __client_paginator__ etc. are distinct json_link paginators)",
                )
            )
    elif test == "test_resource_schema":
        pass
write(
    TC,
    cases,
    {
        "test_resource_expand, test_resource_endpoint_deep_merge, test_resource_endpoint_shallow_merge, "
        "test_resource_merge_with_objects, test_resource_merge_with_none, test_setup_for_single_item_endpoint, "
        "test_resource_schema, test_resource_hints_are_passed_to_resource_constructor, "
        "test_resource_defaults_params_*, test_resource_overrides_with_explicit_none, "
        "test_accepts_DltResource_in_resources, test_resource_defaults_dont_apply_to_DltResource, "
        "test_multiple_dlt_resources": "call dlt's internal merge helpers or take DltResource objects; "
        "not translated in this pass",
    },
)

# ── test_paginator_config.py ──
PC = "tests/sources/rest_api/configurations/test_paginator_config.py"
PAGINATOR_TYPES = ["json_link", "json_response", "header_link", "header_cursor", "auto", "single_page", "cursor", "offset", "page_number"]
cases = []
for i, t in enumerate(PAGINATOR_TYPES):
    cfg = {"client": {"base_url": "https://api.example.com", "paginator": t}, "resources": ["posts"]}
    if t == "offset":
        cases.append(config_case("test_paginator_shorthands", i, cfg, "config_invalid", {"dlt_exception": "ValueError", "dlt_message": "offset"}, "create_paginator('offset') raises ValueError naming offset"))
    else:
        cases.append(config_case("test_paginator_shorthands", i, cfg, "effective_paginator", {"paginator": None if t == "auto" else {"type": t}, "resource": 0}, "create_paginator(paginator_type) (auto: None)"))
for i, p in enumerate(sc["PAGINATOR_TYPE_CONFIGS"]):
    cfg = {"client": {"base_url": "https://api.example.com", "paginator": p}, "resources": ["posts"]}
    expect = {
        "auto": None,
        "single_page": {"type": "single_page"},
        "page_number": {"type": "page_number", "page": 10, "base_page": 1, "total_path": "response.pages"},
        "offset": {"type": "offset", "limit": 100, "offset": 0, "total_path": "total", "maximum_offset": 1000},
        "header_link": {"type": "header_link", "links_next_key": "next_page"},
        "header_cursor": {"type": "header_cursor", "cursor_key": "X-Next-Cursor", "cursor_param": "cursor"},
        "json_link": {"type": "json_link", "next_url_path": "response.nex_page_link"},
        "cursor": {"type": "cursor", "cursor_path": "cursors.next", "cursor_param": "cursor"},
    }[p["type"]]
    cases.append(config_case("test_paginator_type_configs", i, cfg, "effective_paginator", {"paginator": expect, "resource": 0}, "create_paginator(config): type and defaults"))
cases.append(config_case("test_page_number_paginator_creation", 0, {"client": {"base_url": "https://api.example.com", "paginator": {"type": "page_number", "page_param": "foobar", "total_path": "response.pages", "base_page": 1, "maximum_page": 5}}, "resources": ["posts"]}, "config_valid", {}, "rest_api_source(config) raises no DictValidationException"))
cases.append(config_case("test_error_message_invalid_paginator", 0, {"client": {"base_url": "https://api.example.com", "paginator": "non_existing_method"}, "resources": ["posts"]}, "config_invalid", {"dlt_exception": "ValueError", "dlt_message": "Invalid paginator: non_existing_method. Available options: ..."}, "create_paginator('non_existing_method') raises ValueError"))
write(PC, cases, {"test_paginator_instance_config, test_allow_deprecated_json_response_paginator*": "take paginator instances / need dlt's mock server"})

# ── test_auth_config.py ──
AC = "tests/sources/rest_api/configurations/test_auth_config.py"
cases = []
AUTH_TYPES = ["bearer", "api_key", "http_basic", "oauth2_client_credentials"]
AUTH_ENV = {"token": "token", "api_key": "api_key", "username": "username", "password": "password", "access_token_url": "https://example.com/oauth/token", "client_id": "a_client_id", "client_secret": "a_client_secret"}
for i, t in enumerate(AUTH_TYPES):
    cfg = {"client": {"base_url": "https://api.example.com", "auth": t}, "resources": ["posts"]}
    cases.append(config_case("test_auth_shorthands", i, cfg, "auth_resolved", {"env": AUTH_ENV, "auth": {"type": t}}, "create_auth(auth_type) fills every field from the credentials section"))
for i, a in enumerate(sc["AUTH_TYPE_CONFIGS"]):
    cfg = {"client": {"base_url": "https://api.example.com", "auth": a}, "resources": ["posts"]}
    env = {"api_key": "api_key", "name": "session-cookie", "password": "password", "client_secret": "a_client_secret", "client_id": "a_client_id"}
    cases.append(config_case("test_auth_type_configs", i, cfg, "auth_resolved", {"env": env, "auth": {"type": a["type"]}}, "create_auth(auth_type_config) fills the missing fields from the credentials section"))
cases.append(config_case("test_bearer_token_fallback", 0, {"client": {"base_url": "https://api.example.com", "auth": {"token": "secret"}}, "resources": ["posts"]}, "auth_resolved", {"env": {}, "auth": {"type": "bearer"}}, "create_auth({'token': ...}) is BearerTokenAuth"))
cases.append(config_case("test_error_message_invalid_auth_type", 0, {"client": {"base_url": "https://api.example.com", "auth": "non_existing_method"}, "resources": ["posts"]}, "config_invalid", {"dlt_exception": "ValueError", "dlt_message": "Invalid authentication: non_existing_method."}, "create_auth('non_existing_method') raises ValueError"))
write(AC, cases, {"test_auth_instance_config, test_error_message_incorrect_auth_object, test_secret_masking_*, test_validation_masks_auth_secrets": "take Python auth instances or test dlt's internal _mask_secrets helper"})

# ── test_resolve_config.py ──
RC = "tests/sources/rest_api/configurations/test_resolve_config.py"
cases = []
for test, names, values in parametrized(RC):
    for i, v in enumerate(values):
        if test == "test_dependent_resource_can_bind_multiple_parameters":
            cases.append(config_case(test, i, v, "config_valid", {"parents": {"user_details": "users"}}, "resources['user_details']._pipe.parent.name == 'users'"))
        elif test == "test_one_resource_cannot_bind_two_parents":
            config = v[0]
            cases.append(config_case(test, i, config, "config_invalid", {"dlt_exception": "ValueError", "dlt_message": "Multiple parent resources for resource `user_details`"}, "with pytest.raises(ValueError): 'Multiple parent resources for resource `user_details`'"))
        elif test == "test_resource_dependent_dependent":
            cases.append(config_case(test, i, v, "config_valid", {"parents": {"meetings": "location_details", "location_details": "locations"}}, "a child of a child resolves"))
        elif test == "test_circular_resource_bindingis_invalid":
            cases.append(config_case(test, i, v, "config_invalid", {"dlt_exception": "CycleError", "dlt_message": "Arrays have cycles"}, "with pytest.raises(CycleError)"))
write(RC, cases, {"test_bind_path_param, test_process_parent_data_item, test_two_resources_can_depend_on_one_parent_resource": "call dlt's internal helpers; parent binding is covered by rest-resolve unit tests"})

# ── tests/sources/helpers/rest_client/test_detector.py ──
DC = "tests/sources/helpers/rest_client/test_detector.py"
_, _, dc = load(DC)
PTYPE = {"OffsetPaginator": "single_page", "PageNumberPaginator": "page_number", "JSONLinkPaginator": "json_link", "HeaderLinkPaginator": "header_link", "SinglePagePaginator": "single_page", "JSONResponseCursorPaginator": "cursor"}
cases = []
for i, tc in enumerate(dc["TEST_RESPONSES"]):
    exp = tc["expected"]
    cases.append({"id": f"test_find_response_page_data[{i}]", "test": "test_find_response_page_data", "kind": "detect_records", "response": tc["response"], "expect": {"records_path": exp["records_path"]}, "asserts": "'.'.join(find_response_page_data(response)[0]) == records_path"})
for i, tc in enumerate(dc["TEST_RESPONSES"]):
    exp = tc["expected"]
    cases.append({"id": f"test_find_next_page_key[{i}]", "test": "test_find_next_page_key", "kind": "detect_next_path", "response": tc["response"], "expect": {"next_path": ".".join(exp["next_path"]) if "next_path" in exp else None}, "asserts": "find_next_page_path(response)[0] == next_path (or None)"})
for i, tc in enumerate(dc["TEST_RESPONSES"]):
    exp = tc["expected"]
    t = PTYPE[exp["type"]["$name"]]
    e = {"type": t}
    if t == "page_number":
        e["total_path"] = ".".join(exp["total_path"])
    if t == "json_link":
        e["next_url_path"] = ".".join(exp["next_path"])
    if t == "cursor":
        e["cursor_path"] = ".".join(exp["next_path"])
    links = tc.get("links")
    cases.append({"id": f"test_find_paginator[{i}]", "test": "test_find_paginator", "kind": "detect_paginator", "response": tc["response"], "links": links, "expect": {"paginator": e}, "asserts": "type(paginator) is expected type (OffsetPaginator is never detected: SinglePagePaginator); its path"})
for test, names, values in parametrized(DC, dc):
    if test.startswith("test_single_entity_path"):
        for i, p in enumerate(values):
            cases.append({"id": f"{test}[{i}]", "test": test, "kind": "single_entity_path", "path": p, "expect": {"single_entity": test.endswith("_valid")}, "asserts": f"single_entity_path(path) is {test.endswith('_valid')}"})
write(DC, cases)

# ── test_interpolation.py: dlt-internal helpers ──
IC = "tests/sources/rest_api/test_interpolation.py"
cases = []
for test, names, values in parametrized(IC):
    for i, v in enumerate(values):
        cases.append({"id": f"{test}[{i}]", "test": test, "kind": "none", "not_applicable": "tests dlt's internal placeholder helpers (expand_placeholders, find_expressions) with Python objects; streamtap's placeholders are proven through configs (rest-expressions unit tests)", "input": v})
write(IC, cases)

# ── tests/sources/helpers/rest_client/test_paginators.py ──
# dlt's paginator unit tests call methods on paginator objects with mocked responses; their data is translated
# by hand into steps the runner plays against streamtap's paginator of the same config (kind "paginator"):
# init / update (a response and the records selected from it; dlt's data=None is no records) / next, each with
# what dlt asserts afterwards. dlt's private state is read through what it changes: `current_value` and
# `_next_reference` become the parameter, body field or URL the next request carries ("next_*" expectations
# look at a scratch copy of the request after next()). Setting `current_value = 2` directly becomes a config
# that starts at 2 (noted in `adapted`).
PG = "tests/sources/helpers/rest_client/test_paginators.py"
NON_EMPTY = [{"some": "data"}]
cases = []


def pcase(cls, test, paginator, steps, request=None, adapted=None, index=None):
    cid = f"{cls}::{test}" + (f"[{index}]" if index is not None else "")
    c = {"id": cid, "test": f"{cls}::{test}", "kind": "paginator", "paginator": paginator, "steps": steps,
         "asserts": "the paginator's has_next_page and the next request after each step, as the dlt test asserts"}
    if request:
        c["request"] = request
    if adapted:
        c["adapted"] = adapted
    cases.append(c)


def pinvalid(cls, test, paginator, message, index=None):
    cid = f"{cls}::{test}" + (f"[{index}]" if index is not None else "")
    cases.append(config_case(f"{cls}::{test}", index if index is not None else 0,
                             {"client": {"base_url": "https://api.example.com", "paginator": paginator}, "resources": ["posts"]},
                             "config_invalid", {"dlt_exception": "ValueError", "dlt_message": message},
                             "the paginator's constructor raises ValueError"))
    cases[-1]["id"] = cid


def pvalid(cls, test, paginator, index=None, expect=None):
    cid = f"{cls}::{test}" + (f"[{index}]" if index is not None else "")
    cases.append(config_case(f"{cls}::{test}", index if index is not None else 0,
                             {"client": {"base_url": "https://api.example.com", "paginator": paginator}, "resources": ["posts"]},
                             "effective_paginator" if expect else "config_valid",
                             {"paginator": expect, "resource": 0} if expect else {},
                             "the paginator's constructor accepts it" + (" with these settings" if expect else "")))
    cases[-1]["id"] = cid


def paginate(cls, test, path, paginator, total_pages=5, method=None, json_body=None):
    c = {"id": f"{cls}::{test}", "test": f"{cls}::{test}", "kind": "client_paginate", "path": path,
         "paginator": paginator, "expect": {"total_pages": total_pages, "page_size": 5},
         "asserts": "assert_pagination(pages): page i holds posts i*5 .. i*5+4 (dlt's mock API, ported to TS)"}
    if method:
        c["method"] = method
    if json_body is not None:
        c["json"] = json_body
    cases.append(c)


U = lambda json=None, data=NON_EMPTY, headers=None, links=None, **expect: {  # noqa: E731
    "update": {k: v for k, v in {"json": json, "headers": headers, "links": links}.items() if v is not None},
    "data": data, "expect": expect}
INIT = lambda **expect: {"init": True, "expect": expect}  # noqa: E731
NEXT = lambda **expect: {"next": True, "expect": expect}  # noqa: E731

C = "TestHeaderLinkPaginator"
pcase(C, "test_update_state_with_next", {"type": "header_link"}, [INIT(), U(links={"next": {"url": "http://example.com/next"}}, has_next_page=True, next_url="http://example.com/next")])
pcase(C, "test_update_state_without_next", {"type": "header_link"}, [INIT(), U(links={}, has_next_page=False)])
paginate(C, "test_client_pagination", "/posts_header_link", {"type": "header_link"})

C = "TestJSONLinkPaginator"
for i, (nup, body, ref, more) in enumerate([
    (None, {"next": "http://example.com/next", "results": []}, "http://example.com/next", True),
    ("next_page", {"next_page": "http://example.com/next", "results": []}, "http://example.com/next", True),
    ("next_page.url", {"next_page": {"url": "http://example.com/next"}, "results": []}, "http://example.com/next", True),
    (None, {"results": []}, None, False),
    ("['@odata.nextLink']", {"@odata.nextLink": "http://example.com/odata-nextlink", "value": []}, "http://example.com/odata-nextlink", True),
    ('["@odata.nextLink"]', {"@odata.nextLink": "http://example.com/odata-nextlink", "value": []}, "http://example.com/odata-nextlink", True),
]):
    p = {"type": "json_link"} if nup is None else {"type": "json_link", "next_url_path": nup}
    exp = {"has_next_page": more}
    if ref:
        exp["next_url"] = ref
    pcase(C, "test_update_state", p, [INIT(), U(json=body, data=[], **exp)], index=i)
for i, (ref, url, expected) in enumerate([
    ("http://example.com/api/resource?page=2", "http://example.com/api/resource", "http://example.com/api/resource?page=2"),
    ("/api/resource?page=2", "http://example.com/api/resource", "http://example.com/api/resource?page=2"),
    ("/api/resource/subresource?page=3&sort=desc", "http://example.com/api/resource/subresource", "http://example.com/api/resource/subresource?page=3&sort=desc"),
    ("/api/page/4/items?filter=active", "http://example.com/api/page/3/items", "http://example.com/api/page/4/items?filter=active"),
    ("/api/resource?page=3&category=books&sort=author", "http://example.com/api/resource?page=2", "http://example.com/api/resource?page=3&category=books&sort=author"),
    ("/api/resource?page=2", "http://example.com:8080/api/resource", "http://example.com:8080/api/resource?page=2"),
    ("https://secure.example.com/api/resource?page=2", "https://secure.example.com/api/resource", "https://secure.example.com/api/resource?page=2"),
    ("/api/resource?page=2&query=%E3%81%82", "http://example.com/api/resource", "http://example.com/api/resource?page=2&query=%E3%81%82"),
    ("/api/resource?sort=asc", "http://example.com/api/resource?page=1", "http://example.com/api/resource?sort=asc"),
]):
    pcase(C, "test_update_request", {"type": "json_link"}, [INIT(), U(json={"next": ref}), NEXT(url=expected)],
          request={"url": url}, adapted=["paginator._next_reference = ref -> a response whose `next` holds ref"], index=i)
pcase(C, "test_no_duplicate_params_on_update_request", {"type": "json_link"},
      [INIT(), U(json={"next": "/api/resource?page=2&param1=value1"}), NEXT(url="http://example.com/api/resource?page=2&param1=value1")],
      request={"url": "http://example.com/api/resource?param1=value1"})
paginate(C, "test_client_pagination", "/posts", {"type": "json_link", "next_url_path": "next_page"})

C = "TestSinglePagePaginator"
pcase(C, "test_update_state", {"type": "single_page"}, [INIT(), U(json={}, has_next_page=False)])
pcase(C, "test_update_state_with_next", {"type": "single_page"}, [INIT(), U(json={"next": "http://example.com/next", "results": []}, links={"next": {"url": "http://example.com/next"}}, has_next_page=False)])
paginate(C, "test_client_pagination", "/posts", {"type": "single_page"}, total_pages=1)

C = "TestRangePaginator"
cases.append({"id": f"{C}::test_init", "test": f"{C}::test_init", "kind": "none",
              "not_applicable": "RangePaginator is dlt's internal base class (no config type); its param rules are tested through offset and page_number below"})
cases.append({"id": f"{C}::test_range_paginator_update", "test": f"{C}::test_range_paginator_update", "kind": "none",
              "not_applicable": "calls RangePaginator's private static helpers with empty names; streamtap refuses empty names at load (test_empty_*_params below)"})

C = "TestOffsetPaginator"
pcase(C, "test_update_state", {"type": "offset", "offset": 0, "limit": 10},
      [INIT(), U(json={"total": 20}, has_next_page=True, next_params={"offset": "10"}), U(json={"total": 20}, data=None, has_next_page=False)])
pvalid(C, "test_page_param_initialization", {"type": "offset", "limit": 100}, 0, {"type": "offset"})
pcase(C, "test_page_param_initialization", {"type": "offset", "limit": 100}, [INIT(params={"offset": "0"})], index=1)
pcase(C, "test_page_param_initialization", {"type": "offset", "limit": 100, "offset_param": "offset_param"}, [INIT(params={"offset_param": "0"}, no_params=["offset"])], index=2)
pcase(C, "test_page_param_initialization", {"type": "offset", "limit": 100, "offset_body_path": "offset_body_path"}, [INIT(json={"offset_body_path": 0}, no_params=["offset"])], request={"method": "POST"}, index=3)
pcase(C, "test_update_state_with_string_total", {"type": "offset", "offset": 0, "limit": 10}, [INIT(), U(json={"total": "20"}, has_next_page=True, next_params={"offset": "10"})])
pcase(C, "test_update_state_with_invalid_total", {"type": "offset", "offset": 0, "limit": 10}, [INIT(), U(json={"total": "invalid"}, error=True)])
pcase(C, "test_update_state_without_total", {"type": "offset", "offset": 0, "limit": 10}, [INIT(), U(json={}, error=True)])
pcase(C, "test_update_state_with_has_more", {"type": "offset", "offset": 0, "limit": 10, "total_path": None, "has_more_path": "has_more"}, [INIT(), U(json={"has_more": False}, has_next_page=False)])
pcase(C, "test_update_state_with_string_has_more", {"type": "offset", "offset": 0, "limit": 10, "total_path": None, "has_more_path": "has_more"}, [INIT(), U(json={"has_more": "true"}, has_next_page=True)])
pcase(C, "test_update_state_with_invalid_has_more", {"type": "offset", "offset": 0, "limit": 10, "total_path": None, "has_more_path": "has_more"}, [INIT(), U(json={"has_more": "invalid"}, error=True)])
pcase(C, "test_update_state_without_has_more", {"type": "offset", "offset": 0, "limit": 10, "total_path": None, "has_more_path": "has_more"}, [INIT(), U(json={}, error=True)])
pcase(C, "test_init_request", {"type": "offset", "offset": 123, "limit": 42},
      [INIT(params={"offset": "123", "limit": "42"}), U(json={"total": 200}), NEXT(params={"offset": "165", "limit": "42"})])
pinvalid(C, "test_both_offset_param_and_offset_body_path_raises_error", {"type": "offset", "limit": 100, "offset_param": "cursor", "offset_body_path": "page"}, "Either 'offset_param' or 'offset_body_path' must be provided, not both")
ADAPT_CV = ["paginator.current_value = 2 -> the paginator starts at 2"]
pcase(C, "test_update_request_json", {"type": "offset", "limit": 100, "offset": 2, "offset_body_path": "offset"}, [INIT(json={"offset": 2})], request={"method": "POST"}, adapted=ADAPT_CV)
pcase(C, "test_update_request_json_nested", {"type": "offset", "limit": 100, "offset": 2, "offset_body_path": "pagination.offset"}, [INIT(json={"pagination": {"offset": 2}})], request={"method": "POST"}, adapted=ADAPT_CV)
pcase(C, "test_update_request_json_with_existing_json", {"type": "offset", "limit": 100, "offset": 2, "offset_body_path": "offset"}, [INIT(json={"existing": "data", "offset": 2})], request={"method": "POST", "json": {"existing": "data"}}, adapted=ADAPT_CV)
pcase(C, "test_maximum_offset", {"type": "offset", "offset": 0, "limit": 50, "maximum_offset": 100, "total_path": None},
      [INIT(), U(json={"items": []}, has_next_page=True, next_params={"offset": "50"}), U(json={"items": []}, has_next_page=False, next_params={"offset": "100"})])
paginate(C, "test_client_pagination", "/posts_offset_limit", {"type": "offset", "offset": 0, "limit": 5, "total_path": "total_records"})
paginate(C, "test_client_pagination_with_json", "/posts_offset_limit_via_json_body", {"type": "offset", "offset": 0, "limit": 5, "offset_body_path": "offset", "limit_body_path": "limit", "total_path": "total_records"}, method="POST", json_body={"limit": 5, "offset": 0, "ids_greater_than": -1})
pcase(C, "test_stop_after_empty_page", {"type": "offset", "offset": 0, "limit": 50, "maximum_offset": 100, "total_path": None, "stop_after_empty_page": True}, [INIT(), U(json={"items": []}, data=[], has_next_page=False)])
pvalid(C, "test_guarantee_termination", {"type": "offset", "limit": 10, "total_path": None}, 0)
pvalid(C, "test_guarantee_termination", {"type": "offset", "limit": 10, "total_path": None, "maximum_offset": 1, "stop_after_empty_page": False}, 1)
pvalid(C, "test_guarantee_termination", {"type": "offset", "limit": 10, "total_path": None, "has_more_path": "has_more", "stop_after_empty_page": False}, 2)
MSG = "`total_path`, `maximum_offset`, `has_more_path`, or `stop_after_empty_page` must be provided"
pinvalid(C, "test_guarantee_termination", {"type": "offset", "limit": 10, "total_path": None, "stop_after_empty_page": False}, MSG, 3)
pinvalid(C, "test_guarantee_termination", {"type": "offset", "limit": 10, "total_path": None, "stop_after_empty_page": False, "maximum_offset": None}, MSG, 4)
pinvalid(C, "test_guarantee_termination", {"type": "offset", "limit": 10, "total_path": None, "stop_after_empty_page": False, "maximum_offset": None, "has_more_path": None}, MSG, 5)
for i, (a, b) in enumerate([(None, None), ("", None), (None, ""), ("", "")]):
    p = {"type": "offset", "limit": 100, "offset_param": a, "offset_body_path": b}
    if i == 0:
        pcase(C, "test_empty_offset_params", p, [INIT(params={"offset": "0"})], index=i)
    else:
        pinvalid(C, "test_empty_offset_params", p, "Either 'offset_param' or 'offset_body_path' must be provided", i)
for i, (a, b) in enumerate([(None, None), ("", None), (None, ""), ("", "")]):
    p = {"type": "offset", "limit": 100, "limit_param": a, "limit_body_path": b}
    if i == 0:
        pcase(C, "test_empty_limit_params", p, [INIT(params={"limit": "100"})], index=i)
    else:
        pinvalid(C, "test_empty_limit_params", p, "Either 'limit_param' or 'limit_body_path' must be provided", i)

C = "TestPageNumberPaginator"
pcase(C, "test_update_state", {"type": "page_number", "base_page": 1, "page": 1, "total_path": "total_pages"},
      [INIT(), U(json={"total_pages": 3}, has_next_page=True, next_params={"page": "2"}), U(json={"total_pages": 3}, has_next_page=True, next_params={"page": "3"}), U(json={"total_pages": 3}, has_next_page=False)])
pcase(C, "test_page_param_initialization", {"type": "page_number", "total_path": None}, [INIT(params={"page": "0"})], index=0,
      adapted=["PageNumberPaginator() with no total_path -> total_path null (the default `total` needs a response to read)"])
pcase(C, "test_page_param_initialization", {"type": "page_number", "page_param": "page_param", "total_path": None}, [INIT(params={"page_param": "0"}, no_params=["page"])], index=1)
pcase(C, "test_page_param_initialization", {"type": "page_number", "page_body_path": "page_body_path", "total_path": None}, [INIT(json={"page_body_path": 0}, no_params=["page"])], request={"method": "POST"}, index=2)
pcase(C, "test_init_request", {"type": "page_number", "base_page": 1, "total_path": None},
      [INIT(has_next_page=True, params={"page": "1"}), U(json="OK"), NEXT(has_next_page=True, params={"page": "2"}), U(json="OK", data=None), NEXT(has_next_page=False, params={"page": "2"}), INIT(has_next_page=True, params={"page": "1"})])
pinvalid(C, "test_both_page_param_and_page_body_path_raises_error", {"type": "page_number", "page_param": "cursor", "page_body_path": "page"}, "Either 'page_param' or 'page_body_path' must be provided, not both")
pcase(C, "test_update_state_with_string_total_pages", {"type": "page_number", "base_page": 1, "page": 1}, [INIT(), U(json={"total": "3"}, has_next_page=True, next_params={"page": "2"})])
pcase(C, "test_update_state_with_invalid_total_pages", {"type": "page_number", "base_page": 1, "page": 1}, [INIT(), U(json={"total_pages": "invalid"}, error=True)])
pcase(C, "test_update_state_without_total_pages", {"type": "page_number", "base_page": 1, "page": 1}, [INIT(), U(json={}, error=True)])
HM = {"type": "page_number", "page": 1, "total_path": None, "has_more_path": "has_more"}
pcase(C, "test_update_state_with_has_more", HM, [INIT(), U(json={"has_more": False}, has_next_page=False)])
pcase(C, "test_update_state_with_string_has_more", HM, [INIT(), U(json={"has_more": "true"}, has_next_page=True)])
pcase(C, "test_update_state_with_invalid_has_more", HM, [INIT(), U(json={"has_more": "invalid"}, error=True)])
pcase(C, "test_update_state_without_has_more", HM, [INIT(), U(json={}, error=True)])
pcase(C, "test_update_request_param", {"type": "page_number", "base_page": 1, "page": 1, "page_param": "page"},
      [INIT(), U(json={"total": 3}), NEXT(params={"page": "2"}), U(json={"total": 3}), NEXT(params={"page": "3"})])
pcase(C, "test_update_request_json", {"type": "page_number", "base_page": 1, "page": 2, "page_body_path": "page"}, [INIT(json={"page": 2})], request={"method": "POST"}, adapted=ADAPT_CV)
pcase(C, "test_update_request_json_nested", {"type": "page_number", "base_page": 1, "page": 2, "page_body_path": "page.next"}, [INIT(json={"page": {"next": 2}})], request={"method": "POST"}, adapted=ADAPT_CV)
pcase(C, "test_update_request_json_with_existing_json", {"type": "page_number", "base_page": 1, "page": 2, "page_body_path": "page"}, [INIT(json={"existing": "data", "page": 2})], request={"method": "POST", "json": {"existing": "data"}}, adapted=ADAPT_CV)
pcase(C, "test_maximum_page", {"type": "page_number", "base_page": 1, "page": 1, "maximum_page": 3, "total_path": None},
      [INIT(), U(json={"items": []}, has_next_page=True, next_params={"page": "2"}), U(json={"items": []}, has_next_page=False, next_params={"page": "3"})])
pcase(C, "test_stop_after_empty_page", {"type": "page_number", "base_page": 1, "page": 1, "maximum_page": 5, "stop_after_empty_page": True, "total_path": None},
      [INIT(has_next_page=True), U(json={"items": []}, data=[], has_next_page=False, next_params={"page": "1"})])
paginate(C, "test_client_pagination_one_based", "/posts", {"type": "page_number", "base_page": 1, "page": 1, "total_path": "total_pages"})
paginate(C, "test_client_pagination_one_based_default_page", "/posts", {"type": "page_number", "base_page": 1, "total_path": "total_pages"})
paginate(C, "test_client_pagination_zero_based", "/posts_zero_based", {"type": "page_number", "base_page": 0, "page": 0, "total_path": "total_pages"})
paginate(C, "test_client_pagination_with_json", "/posts/search", {"type": "page_number", "base_page": 1, "page_body_path": "page", "total_path": "total_pages"}, method="POST", json_body={"page_size": 5, "page": 1, "ids_greater_than": -1})
pvalid(C, "test_guarantee_termination", {"type": "page_number", "total_path": None}, 0)
pvalid(C, "test_guarantee_termination", {"type": "page_number", "total_path": None, "maximum_page": 1, "stop_after_empty_page": False}, 1)
MSG = "`total_path`, `maximum_page`, `has_more_path`, or `stop_after_empty_page` must be provided"
pinvalid(C, "test_guarantee_termination", {"type": "page_number", "total_path": None, "stop_after_empty_page": False}, MSG, 2)
pinvalid(C, "test_guarantee_termination", {"type": "page_number", "total_path": None, "stop_after_empty_page": False, "maximum_page": None}, MSG, 3)
pinvalid(C, "test_guarantee_termination", {"type": "page_number", "total_path": None, "stop_after_empty_page": False, "maximum_page": None, "has_more_path": None}, MSG, 4)
for i, (a, b) in enumerate([(None, None), ("", None), (None, ""), ("", "")]):
    p = {"type": "page_number", "total_path": None, "page_param": a, "page_body_path": b}
    if i == 0:
        pcase(C, "test_empty_params", p, [INIT(params={"page": "0"})], index=i)
    else:
        pinvalid(C, "test_empty_params", p, "Either 'page_param' or 'page_body_path' must be provided", i)

C = "TestJSONResponseCursorPaginator"
pcase(C, "test_update_state", {"type": "cursor", "cursor_path": "next_cursor"}, [INIT(), U(json={"next_cursor": "cursor-2", "results": []}, data=None, has_next_page=True, next_params={"cursor": "cursor-2"})])
pcase(C, "test_cursor_param_initialization", {"type": "cursor"}, [INIT(), U(json={"cursors": {"next": "c"}}), NEXT(params={"cursor": "c"})], index=0)
pcase(C, "test_cursor_param_initialization", {"type": "cursor", "cursor_param": "cursor_param"}, [INIT(), U(json={"cursors": {"next": "c"}}), NEXT(params={"cursor_param": "c"}, no_params=["cursor"])], index=1)
pcase(C, "test_cursor_param_initialization", {"type": "cursor", "cursor_body_path": "cursor_body_path"}, [INIT(), U(json={"cursors": {"next": "c"}}), NEXT(json={"cursor_body_path": "c"}, no_params=["cursor"])], request={"method": "POST"}, index=2)
pinvalid(C, "test_both_cursor_param_and_cursor_body_path_raises_error", {"type": "cursor", "cursor_path": "next_cursor", "cursor_param": "cursor", "cursor_body_path": "page"}, "Either 'cursor_param' or 'cursor_body_path' must be provided, not both")
pcase(C, "test_update_state_when_cursor_path_is_empty_string", {"type": "cursor", "cursor_path": "next_cursor"}, [INIT(), U(json={"next_cursor": "", "results": []}, data=None, has_next_page=False)])
pcase(C, "test_update_state_stop_after_empty_page", {"type": "cursor", "cursor_path": "next_cursor", "stop_after_empty_page": True}, [INIT(), U(json={"next_cursor": "cursor", "results": []}, data=[], has_next_page=False)])
CH = {"type": "cursor", "cursor_path": "next_cursor", "has_more_path": "has_more"}
pcase(C, "test_update_has_more_path", CH, [INIT(), U(json={"next_cursor": "cursor", "results": [], "has_more": False}, data=None, has_next_page=False)])
pcase(C, "test_update_has_more_path_string", CH, [INIT(), U(json={"next_cursor": "cursor", "results": [], "has_more": "false"}, data=None, has_next_page=False)])
pcase(C, "test_update_has_more_path_true_nonempty_result", CH, [INIT(), U(json={"next_cursor": "cursor", "results": [{"hello": "world"}], "has_more": True}, data=None, has_next_page=True)])
pcase(C, "test_update_has_more_path_true", CH, [INIT(), U(json={"next_cursor": "cursor", "results": [], "has_more": True}, data=None, has_next_page=True)])
pcase(C, "test_update_has_more_path_missing", CH, [INIT(), U(json={"next_cursor": "cursor", "results": [["hello", "world"]]}, data=None, error="Has more value not found in the response|has_more_path")])
ADAPT_NR = ["paginator._next_reference = 'cursor-2' -> a response whose next_cursor is 'cursor-2'"]
pcase(C, "test_update_request_param", {"type": "cursor", "cursor_path": "next_cursor"}, [INIT(), U(json={"next_cursor": "cursor-2"}), NEXT(params={"cursor": "cursor-2"})], adapted=ADAPT_NR)
pcase(C, "test_update_request_json", {"type": "cursor", "cursor_path": "next_cursor", "cursor_body_path": "cursor"}, [INIT(), U(json={"next_cursor": "cursor-2"}), NEXT(json={"cursor": "cursor-2"})], request={"method": "POST"}, adapted=ADAPT_NR)
pcase(C, "test_update_request_json_nested", {"type": "cursor", "cursor_path": "next_cursor", "cursor_body_path": "cursor.next"}, [INIT(), U(json={"next_cursor": "cursor-2"}), NEXT(json={"cursor": {"next": "cursor-2"}})], request={"method": "POST"}, adapted=ADAPT_NR)
pcase(C, "test_update_request_json_with_existing_json", {"type": "cursor", "cursor_path": "next_cursor", "cursor_body_path": "cursor"}, [INIT(), U(json={"next_cursor": "cursor-2"}), NEXT(json={"existing": "data", "cursor": "cursor-2"})], request={"method": "POST", "json": {"existing": "data"}}, adapted=ADAPT_NR)
paginate(C, "test_client_pagination_with_param", "/posts_cursor", {"type": "cursor", "cursor_path": "next_cursor"})
paginate(C, "test_client_pagination_with_json", "/posts/search", {"type": "cursor", "cursor_path": "next_page", "cursor_body_path": "page"}, method="POST", json_body={"ids_greater_than": -1, "page_size": 5, "page_count": 5})

C = "TestHeaderCursorPaginator"
pcase(C, "test_update_state", {"type": "header_cursor", "cursor_key": "next_cursor"}, [INIT(), U(headers={"next_cursor": "cursor-2"}, has_next_page=True, next_params={"cursor": "cursor-2"})])
pcase(C, "test_update_state_when_cursor_path_is_empty_string", {"type": "header_cursor", "cursor_key": "next_cursor"}, [INIT(), U(headers={}, has_next_page=False)])
pcase(C, "test_update_request", {"type": "header_cursor", "cursor_key": "next_cursor", "cursor_param": "cursor"}, [INIT(), U(headers={"next_cursor": "cursor-2"}), NEXT(params={"cursor": "cursor-2"})])
paginate(C, "test_client_pagination", "/posts_header_cursor", {"type": "header_cursor", "cursor_key": "cursor", "cursor_param": "page"})
write(PG, cases)
