#!/usr/bin/env python3
"""Renders the chat-template reference cases with Python jinja2 exactly as HF transformers'
apply_chat_template does, and writes cases.json. Run from this folder: python3 make_fixtures.py"""
import json
import sys
from datetime import datetime

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    # transformers.utils.chat_template_utils: no HTML escaping, unlike jinja2's own tojson
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(format):
    return datetime.now().strftime(format)


class AssistantTracker(Extension):
    """HF's {% generation %} ... {% endgeneration %}: renders its body (and marks assistant tokens)."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[AssistantTracker, loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


ENV = environment()


def render(template, variables):
    return ENV.from_string(template).render(**variables)


def chat_variables(config, messages, add_generation_prompt, kwargs):
    v = {"messages": messages, "tools": None, "documents": None, "add_generation_prompt": add_generation_prompt}
    for name in ("bos_token", "eos_token"):
        t = config.get(name)
        if isinstance(t, dict):
            t = t["content"]
        if t is not None:
            v[name] = t
    v.update(kwargs)
    return v


SYS = {"role": "system", "content": "You are a helpful assistant."}
CONVERSATIONS = [
    ("one user turn", [{"role": "user", "content": "Hello!"}]),
    ("system and user", [SYS, {"role": "user", "content": "What is 2+2?"}]),
    ("multi-turn", [SYS, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello! How can I help?"},
                    {"role": "user", "content": "Tell me a joke."}]),
    ("no system, multi-turn", [{"role": "user", "content": "A"}, {"role": "assistant", "content": "B"},
                               {"role": "user", "content": "C"}]),
    ("assistant with think", [{"role": "user", "content": "2+2?"},
                              {"role": "assistant", "content": "<think>\nAdd them.\n</think>\n\n4"},
                              {"role": "user", "content": "3+3?"}]),
    ("last assistant with think", [{"role": "user", "content": "2+2?"},
                                   {"role": "assistant", "content": "<think>\nAdd them.\n</think>\n\n4"}]),
    ("reasoning_content", [{"role": "user", "content": "Why?"},
                           {"role": "assistant", "content": "Because.", "reasoning_content": "\nThinking hard.\n"}]),
    ("unicode", [{"role": "user", "content": "Grüße, 世界! 🎉 ñ \u00e9\u0301"},
                 {"role": "assistant", "content": "  spaced  \n"}]),
    ("whitespace content", [{"role": "user", "content": "\n  leading and trailing  \n\n"}]),
    ("tool call and response", [{"role": "user", "content": "Weather in Paris?"},
                                {"role": "assistant", "content": "",
                                 "tool_calls": [{"type": "function", "function": {"name": "get_weather",
                                                                                   "arguments": {"city": "Paris", "unit": "°C"}}}]},
                                {"role": "tool", "content": "{\"temp\": 21}"},
                                {"role": "tool", "content": "sunny"},
                                {"role": "user", "content": "Thanks"}]),
    ("string tool arguments", [{"role": "user", "content": "x"},
                               {"role": "assistant", "content": "Calling.",
                                "tool_calls": [{"name": "f", "arguments": "{\"a\": 1}"}, {"name": "g", "arguments": {"b": [1, 2.5, None, True]}}]}]),
    ("user tool_response wrapper", [{"role": "user", "content": "<tool_response>ok</tool_response>"},
                                    {"role": "assistant", "content": "<think>x</think>done"}]),
]


def chat_cases(folder):
    config = json.load(open(f"../{folder}/tokenizer_config.json", encoding="utf-8"))
    template = config["chat_template"]
    cases = []
    for name, messages in CONVERSATIONS:
        for agp in (True, False):
            for kwargs in ({}, {"enable_thinking": False}, {"enable_thinking": True}):
                variables = chat_variables(config, messages, agp, kwargs)
                cases.append({"name": f"{folder}: {name}, add_generation_prompt={agp}, {kwargs}",
                              "template_file": f"{folder}/tokenizer_config.json", "variables": variables})
    return template, cases


# (name, template, variables, error substring or None)
UNIT = [
    # whitespace control, trim_blocks, lstrip_blocks
    ("trim after block", "{% if true %}\nyes\n{% endif %}\nafter", {}, None),
    ("lstrip before block", "a\n    {% if true %}\n    b\n    {% endif %}\nc", {}, None),
    ("lstrip not for variables", "a\n    {{ 'x' }}\n", {}, None),
    ("trim not after variables", "{{ 'x' }}\ny", {}, None),
    ("minus both sides", "a  \n  {%- if true -%}  \n  b  \n  {%- endif -%}  \n  c", {}, None),
    ("minus on variables", "a  {{- 'x' -}}  b", {}, None),
    ("plus disables lstrip", "a\n    {%+ if true %}b{% endif %}", {}, None),
    ("plus disables trim", "{% if true +%}\nb{% endif %}", {}, None),
    ("comment lstrip and trim", "a\n    {# note #}\nb", {}, None),
    ("comment minus", "a   {#- note -#}   b", {}, None),
    ("block mid-line keeps spaces", "a  {% if true %}b{% endif %}", {}, None),
    ("tabs lstripped", "x\n\t\t{% if true %}y{% endif %}", {}, None),
    ("trailing newline dropped", "abc\n", {}, None),
    ("two trailing newlines", "abc\n\n", {}, None),
    ("crlf normalized", "a\r\n{% if true %}\r\nb\r\n{% endif %}\r\nc", {}, None),
    ("raw block", "a\n  {% raw %}\n{{ x }} {% if %}{% endraw %}\nb", {}, None),
    ("line starting after trimmed block", "{% if true %}\n  {% if true %}\nz\n  {% endif %}\n{% endif %}", {}, None),
    ("whitespace-only text kept between vars", "{{ 1 }}  {{ 2 }}", {}, None),
    ("nested minus", "{%- for i in [1,2,3] -%}\n  {{ i }}\n{%- endfor %}", {}, None),
    # literals and printing
    ("numbers print as python", "{{ 1 }} {{ 1.5 }} {{ 1.0 }} {{ 1e20 }} {{ 1e16 }} {{ 1e15 }} {{ 1e-5 }} {{ 0.0001 }} {{ 0.1 + 0.2 }} {{ 1_000 }} {{ 2.5e3 }}", {}, None),
    ("booleans and none", "{{ true }} {{ False }} {{ none }} {{ None }}", {}, None),
    ("containers print as python", "{{ [1, 'a', \"b'c\", none, true, 1.5] }} {{ {'k': [1], 'n': none} }} {{ (1,) }} {{ (1, 2) }} {{ () }}", {}, None),
    ("string escapes", "{{ 'a\\nb\\tc\\\\d\\'e\\u00e9\\x41' }}|{{ \"q\\\"q\" }}|{{ 'x' 'y' }}", {}, None),
    ("repr of strings", "{{ ['it\\'s', 'a\"b', 'both\\'\"', '\\n', 'é'] }}", {}, None),
    # operators
    ("arithmetic", "{{ 7 / 2 }} {{ 4 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ -2 ** 2 }} {{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 7.5 // 2 }} {{ -7.5 % 2 }}", {}, None),
    ("bool arithmetic", "{{ true + 1 }} {{ true * 3 }} {{ 1 == true }} {{ 1.0 == 1 }}", {}, None),
    ("string ops", "{{ 'a' + 'b' }} {{ 'ab' * 3 }} {{ 3 * 'x' }} {{ 'a' ~ 1 ~ none ~ true }} {{ [1] + [2] }} {{ [0] * 3 }}", {}, None),
    ("comparisons", "{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 1 != 2 }} {{ 'b' >= 'a' }} {{ none == none }}", {}, None),
    ("in and not in", "{{ 'a' in 'cat' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 3 not in [1] }} {{ 'x' not in 'xyz' }}", {}, None),
    ("and or not", "{{ 1 and 2 }} {{ 0 and 2 }} {{ 0 or 'x' }} {{ '' or [] }} {{ not 0 }} {{ not 'a' }} {{ not none and 1 }}", {}, None),
    ("conditional expression", "{{ 'y' if 1 else 'n' }} {{ 'y' if 0 else 'n' }} [{{ 'y' if 0 }}] {{ 1 if 0 else 2 if 0 else 3 }}", {}, None),
    ("unary minus and filters", "{{ -3|abs }} {{ -(3) }} {{ - 2.5 }} {{ +4 }}", {}, None),
    ("truthiness", "{% for v in [0, 1, '', 'a', [], [0], {}, {'a': 1}, none, 0.0, true, false] %}{{ 'T' if v else 'F' }}{% endfor %}", {}, None),
    # lookups
    ("attribute and item", "{{ d.a }} {{ d['a'] }} {{ d.b.c }} {{ l[0] }} {{ l[-1] }} {{ l.1 }} {{ d.missing }}|{{ l[10] }}|", {"d": {"a": 1, "b": {"c": 2}}, "l": [5, 6, 7]}, None),
    ("method wins over key with dot", "{{ d['items'] }} {{ d.items()|list }}", {"d": {"items": 1}}, None),
    ("string index", "{{ 'héllo'[1] }} {{ 'abc'[-1] }}", {}, None),
    ("slicing", "{{ l[1:] }} {{ l[:2] }} {{ l[::-1] }} {{ l[::2] }} {{ l[-2:] }} {{ l[1:-1] }} {{ l[5:] }} {{ l[3:1:-1] }} {{ 'hello'[::-1] }} {{ 'hello'[1:3] }} {{ l[-10:2] }}", {"l": [1, 2, 3, 4, 5]}, None),
    # tests
    ("defined and none tests", "{{ x is defined }} {{ y is defined }} {{ y is undefined }} {{ n is none }} {{ x is not none }} {{ d.k is defined }} {{ d.z is defined }}", {"x": 1, "n": None, "d": {"k": None}}, None),
    ("type tests", "{{ 'a' is string }} {{ 1 is number }} {{ 1.5 is number }} {{ 1 is integer }} {{ 1.5 is integer }} {{ 1.5 is float }} {{ {} is mapping }} {{ [] is iterable }} {{ 'a' is iterable }} {{ 1 is iterable }} {{ [] is sequence }} {{ true is boolean }} {{ 1 is boolean }} {{ true is number }}", {}, None),
    ("value tests", "{{ true is true }} {{ 1 is true }} {{ false is false }} {{ 3 is odd }} {{ 4 is even }} {{ 9 is divisibleby 3 }} {{ 9 is divisibleby(4) }} {{ 2 is eq 2 }} {{ 2 is equalto 3 }} {{ 2 is ne 3 }} {{ 2 is lt 3 }} {{ 2 is gt 3 }} {{ 2 is le 2 }} {{ 2 is ge 3 }} {{ 2 is in [1, 2] }} {{ none is sameas none }} {{ 'abc' is lower }} {{ 'ABC' is upper }}", {}, None),
    ("test in condition", "{% if x is not defined or x is none %}none{% else %}{{ x }}{% endif %}", {"x": None}, None),
    # filters
    ("string filters", "{{ 'hello world'|upper }} {{ 'HeLLo'|lower }} {{ 'hello wORLD-foo(bar'|title }} {{ 'hELLO'|capitalize }} {{ '  x  '|trim }}|{{ 'xxaxx'|trim('x') }} {{ 'aaa'|replace('a', 'b') }} {{ 'aaa'|replace('a', 'b', 2) }} {{ 'a b  c'|wordcount }}", {}, None),
    ("length and count", "{{ [1, 2]|length }} {{ 'héllo'|length }} {{ {'a': 1}|count }} {{ '🎉'|length }} {{ u|length }}", {}, None),
    ("first last join", "{{ [1, 2, 3]|first }} {{ [1, 2, 3]|last }} {{ [1, 2, 3]|join(', ') }} {{ ['a', 'b']|join }} {{ 'abc'|first }} {{ users|join(', ', attribute='name') }}", {"users": [{"name": "x"}, {"name": "y"}]}, None),
    ("default filter", "{{ u|default('d') }} {{ ''|default('d') }} {{ ''|default('d', true) }} {{ none|default('d') }} {{ 0|d('z', boolean=true) }} {{ 'v'|d }}", {}, None),
    ("list string int float", "{{ 'abc'|list }} {{ 5|string }} {{ '42'|int }} {{ '4.7'|int }} {{ 'x'|int }} {{ 'x'|int(7) }} {{ 3.9|int }} {{ '2.5'|float }} {{ 3|float }} {{ 'q'|float }} {{ {'a': 1}|list }}", {}, None),
    ("items and dict iteration", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{% for k, v in d|items %}{{ k }}:{{ v }};{% endfor %}{% for k in d %}{{ k }}{% endfor %}{{ d.keys()|list }}{{ d.values()|list }}", {"d": {"b": 1, "a": 2}}, None),
    ("selectattr rejectattr map", "{{ ms|selectattr('role', 'equalto', 'user')|map(attribute='content')|join('|') }} {{ ms|rejectattr('role', 'eq', 'user')|map(attribute='content')|list }} {{ ms|selectattr('tool')|list|length }} {{ ms|map(attribute='missing', default='-')|list }}", {"ms": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b", "tool": 1}, {"role": "user", "content": "c"}]}, None),
    ("select reject map filter", "{{ [1, 2, 3, 4]|select('odd')|list }} {{ [1, 2, 3, 4]|reject('even')|list }} {{ [0, 1, '', 'a']|select|list }} {{ ['a', 'B']|map('upper')|list }} {{ [1, 2, 3]|select('gt', 1)|list }}", {}, None),
    ("reverse sort unique", "{{ [3, 1, 2]|reverse|list }} {{ 'abc'|reverse }} {{ [3, 1, 2]|sort }} {{ [3, 1, 2]|sort(reverse=true) }} {{ ['b', 'A', 'c']|sort }} {{ ['b', 'A', 'c']|sort(case_sensitive=true) }} {{ ps|sort(attribute='age')|map(attribute='n')|join }} {{ ['a', 'A', 'b', 'a']|unique|list }} {{ [1, 2, 1]|unique|list }}", {"ps": [{"n": "x", "age": 3}, {"n": "y", "age": 1}]}, None),
    ("numeric filters", "{{ -5|abs }} {{ 2.5|round }} {{ 3.5|round }} {{ 2.675|round(2) }} {{ 2.1|round(0, 'ceil') }} {{ 2.9|round(method='floor') }} {{ 7|round }} {{ [1, 2, 3]|sum }} {{ ps|sum(attribute='age') }} {{ [3, 1, 2]|min }} {{ [3, 1, 2]|max }} {{ ['b', 'A']|max }} {{ ps|max(attribute='age') }}", {"ps": [{"n": "x", "age": 3}, {"n": "y", "age": 1}]}, None),
    ("tojson", "{{ d|tojson }} {{ d|tojson(indent=2) }} {{ 'é\"\\n<>&\\''|tojson }} {{ [1.5, 1e20, none, true]|tojson }} {{ d|tojson(sort_keys=true) }} {{ {}|tojson }} {{ []|tojson(indent=2) }}", {"d": {"z": 1, "a": [1, {"b": "ü"}], "m": {}}}, None),
    ("indent", "{{ 'a\\nb\\n\\nc'|indent }}|{{ 'a\\nb'|indent(2, true) }}|{{ 'a\\n\\nb'|indent(2, blank=true) }}|{{ 'a\\nb'|indent('> ') }}", {}, None),
    ("dictsort batch escape safe", "{{ {'b': 1, 'a': 2}|dictsort }} {{ {'b': 1, 'a': 2}|dictsort(by='value') }} {{ [1, 2, 3]|batch(2)|list }} {{ [1, 2, 3]|batch(2, 0)|list }} {{ '<a href=\"x\">&\\'</a>'|e }} {{ '<b>'|safe }} {{ '<i>'|escape }}", {}, None),
    ("filter chains and arguments", "{{ messages|length - 1 }} {{ (messages|length) * 2 }} {{ messages|selectattr('role', 'equalto', 'user')|list|length }}", {"messages": [{"role": "user"}, {"role": "bot"}]}, None),
    # str methods
    ("startswith endswith", "{{ 'hello'.startswith('he') }} {{ 'hello'.startswith(('x', 'h')) }} {{ 'hello'.endswith('lo') }} {{ 'hello'.endswith(('a', 'b')) }} {{ 'hello'.startswith('l', 2) }}", {}, None),
    ("split and rsplit", "{{ 'a,b,,c'.split(',') }} {{ ' a  b c '.split() }} {{ 'a b c'.split(' ', 1) }} {{ 'a,b,c'.rsplit(',', 1) }} {{ ' a b c '.rsplit(None, 1) }} {{ 'abc'.split('x') }} {{ 'x</think>y</think>z'.split('</think>')[-1] }}", {}, None),
    ("strip family", "[{{ '  a  '.strip() }}] [{{ '\\n\\na\\n'.lstrip('\\n') }}] [{{ 'a\\n\\n'.rstrip('\\n') }}] [{{ 'xyaxy'.strip('yx') }}] [{{ '  a '.lstrip() }}] [{{ ' a  '.rstrip() }}]", {}, None),
    ("case and search methods", "{{ 'ab cd'.upper() }} {{ 'AB'.lower() }} {{ 'hello world 1st'.title() }} {{ 'hELLO'.capitalize() }} {{ 'banana'.find('an') }} {{ 'banana'.rfind('an') }} {{ 'banana'.find('x') }} {{ 'banana'.count('a') }} {{ 'a-b'.replace('-', '+') }} {{ ', '.join(['x', 'y']) }}", {}, None),
    ("splitlines and format", "{{ 'a\\nb\\r\\nc'.splitlines() }} {{ 'a\\n'.splitlines(true) }} {{ '{} and {}'.format(1, 'x') }} {{ '{0}{0}'.format('r') }} {{ '{n}!'.format(n=3) }} {{ '{{}}'.format() }}", {}, None),
    ("dict methods", "{{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 9) }} {{ d.keys()|list }} {{ d['a'] }}", {"d": {"a": 1}}, None),
    # loops
    ("loop variables", "{% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}[{{ loop.previtem }}|{{ loop.nextitem }}] {% endfor %}", {}, None),
    ("loop cycle", "{% for x in range(5) %}{{ loop.cycle('a', 'b') }}{% endfor %}", {}, None),
    ("for if filter", "{% for x in range(10) if x is odd %}{{ x }}{{ loop.length }},{% endfor %}", {}, None),
    ("for else", "{% for x in [] %}x{% else %}empty{% endfor %}{% for x in [1] if false %}y{% else %}none{% endfor %}", {}, None),
    ("range forms", "{{ range(3)|list }} {{ range(1, 4)|list }} {{ range(10, 0, -3)|list }} {{ range(0)|list }}", {}, None),
    ("break and continue", "{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 5 %}{% break %}{% endif %}{{ i }}{% endfor %}", {}, None),
    ("nested loops and loop", "{% for a in [1, 2] %}{% for b in [3, 4] %}{{ loop.index }}{{ a }}{{ b }} {% endfor %}{{ loop.index }};{% endfor %}", {}, None),
    ("tuple unpacking in for", "{% for a, b in [[1, 2], (3, 4)] %}{{ a }}{{ b }}{% endfor %}", {}, None),
    # set and namespace
    ("set scoping in loops", "{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = 2 %}{{ x }}{% endfor %}{{ x }}", {}, None),
    ("set tuple and block", "{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set c %}in {{ a }}\n{% endset %}[{{ c }}]{% set d | upper %}low{% endset %}{{ d }}", {}, None),
    ("namespace", "{% set ns = namespace(found=false, n=xs|length - 1, items=[]) %}{% for x in xs %}{% if x == 2 %}{% set ns.found = true %}{% set ns.at = loop.index0 %}{% endif %}{% endfor %}{{ ns.found }} {{ ns.at }} {{ ns.n }} {{ ns.missing is defined }}", {"xs": [1, 2, 3]}, None),
    ("set in if leaks to outer", "{% if true %}{% set y = 5 %}{% endif %}{{ y }}", {}, None),
    # macros, call, filter block
    ("macro with defaults", "{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('A') }} {{ greet('B', '?') }} {{ greet(punct='.', name='C') }}", {}, None),
    ("macro sees outer variables", "{% set g = 'x' %}{% macro m() %}{{ g }}{{ v }}{% endmacro %}{{ m() }}", {"v": 7}, None),
    ("macro missing argument undefined", "{% macro m(a, b) %}[{{ a }}|{{ b }}]{% endmacro %}{{ m(1) }}", {}, None),
    ("recursive macro", "{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * fact(n - 1)|int }}{% endif %}{% endmacro %}{{ fact(5) }}", {}, None),
    ("call block", "{% macro box(title) %}[{{ title }}: {{ caller() }}]{% endmacro %}{% call box('t') %}body {{ 1 + 1 }}{% endcall %}", {}, None),
    ("call block with args", "{% macro each(xs) %}{% for x in xs %}{{ caller(x) }}{% endfor %}{% endmacro %}{% call(item) each([1, 2]) %}<{{ item }}>{% endcall %}", {}, None),
    ("filter block", "{% filter upper %}hello {{ 'x' }}{% endfilter %}{% filter replace('a', 'o') %}banana{% endfilter %}", {}, None),
    ("dict and list literals", "{% set d = dict(a=1, b='x') %}{{ d }} {{ {'k': [1, {'z': none}]}['k'][1].z }} {{ [[1, 2], [3]][1][0] }}", {}, None),
    ("generation block", "{% generation %}text{% endgeneration %}", {}, None),
    ("strftime_now percent", "{{ strftime_now('%%') }}|{{ strftime_now('%Y')|length }}", {}, None),
    # errors
    ("raise_exception", "{% if messages[0].role != 'system' %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}", {"messages": [{"role": "user"}]}, "Conversation roles must alternate user/assistant/user/assistant/..."),
    ("unknown filter", "line one\n{{ x|nosuchfilter }}", {}, "No filter named 'nosuchfilter'"),
    ("unknown test", "{{ x is nosuchtest }}", {}, "No test named 'nosuchtest'"),
    ("unknown tag", "{% nosuchtag %}", {}, "Encountered unknown tag 'nosuchtag'"),
    ("unclosed block", "{% if true %}x", {}, "Unexpected end of template"),
    ("str plus int", "{{ 'a' + 1 }}", {}, "can only concatenate str (not \"int\") to str"),
    ("int plus str", "{{ 1 + 'a' }}", {}, "unsupported operand type(s) for +: 'int' and 'str'"),
    ("attribute of undefined", "{{ m.foo.bar }}", {"m": {}}, "'dict object' has no attribute 'foo'"),
    ("undefined variable in arithmetic", "{{ nope + 1 }}", {}, "'nope' is undefined"),
    ("range too big", "{% for i in range(100000000) %}{% endfor %}", {}, "Range too big"),
    ("list append refused", "{% set l = [] %}{{ l.append(1) }}", {}, "access to attribute 'append' of 'list' object is unsafe"),
    ("division by zero", "{{ 1 / 0 }}", {}, "division by zero"),
    ("ordering of str and int", "{{ 'a' < 1 }}", {}, "'<' not supported between instances of 'str' and 'int'"),
    ("set attribute on non-namespace", "{% set d = {} %}{% set d.x = 1 %}", {}, "non-namespace object"),
    ("macro too many arguments", "{% macro f(a) %}{% endmacro %}{{ f(1, 2) }}", {}, "macro 'f' takes not more than 1 argument(s)"),
    ("iterate none", "{% for x in none %}{% endfor %}", {}, "'NoneType' object is not iterable"),
    ("syntax error in expression", "{{ 1 + }}", {}, None),
]


def unit_cases():
    cases = []
    for name, template, variables, error in UNIT:
        case = {"name": name, "template": template, "variables": variables}
        try:
            text = render(template, variables)
            if error is not None:
                sys.exit(f"{name}: expected an error containing {error!r}, rendered {text!r}")
            case["text"] = text
        except Exception as e:  # what HF would raise
            message = str(e)
            if error is not None and error not in message:
                sys.exit(f"{name}: jinja2 said {message!r}, which lacks {error!r}")
            case["jinja2_error"] = f"{type(e).__name__}: {message}"
            case["error_contains"] = error or ""
        cases.append(case)
    return cases


def main():
    templates = {}
    cases = []
    for folder in ("qwen3-tiny", "llama32-tiny"):
        template, chat = chat_cases(folder)
        templates[folder] = template
        for c in chat:
            c["text"] = render(template, c["variables"])
        cases.extend(chat)
    cases.extend(unit_cases())
    out = {"jinja2_version": jinja2.__version__, "python_version": sys.version.split()[0], "cases": cases}
    with open("cases.json", "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"{len(cases)} cases written to cases.json")


if __name__ == "__main__":
    main()
