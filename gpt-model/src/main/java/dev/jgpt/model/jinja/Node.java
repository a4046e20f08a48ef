package dev.jgpt.model.jinja;

import java.util.List;

/** The statements of the template language: what the parser builds and the renderer runs. */
sealed interface Node {

    /** The 1-based template line. */
    int line();

    /** Literal template text. */
    record Text(String text, int line) implements Node {}

    /** {@code {{ expr }}}. */
    record Output(Expr expr, int line) implements Node {}

    /** One {@code if}/{@code elif} branch. */
    record Branch(Expr test, List<Node> body) {}

    /** {@code if ... elif ... else ... endif}; {@code otherwise} is empty without else. */
    record If(List<Branch> branches, List<Node> otherwise, int line) implements Node {}

    /** An assignment target: a name, names to unpack, or {@code ns.attr}. */
    sealed interface Target {}

    /** A variable. */
    record NameTarget(String name) implements Target {}

    /** {@code a, b}: unpacking. */
    record TupleTarget(List<String> names) implements Target {}

    /** {@code ns.attr} on a namespace. */
    record AttributeTarget(String name, String attribute) implements Target {}

    /** {@code for target in iterable [if filter] ... [else ...] endfor}. */
    record For(Target target, Expr iterable, Expr filter, List<Node> body, List<Node> otherwise, int line)
            implements Node {}

    /** {@code set target = value}. */
    record Set(Target target, Expr value, int line) implements Node {}

    /** {@code set name [| filters] } body {@code endset}: {@code filters} applies to the body's text. */
    record SetBlock(String name, Expr filters, List<Node> body, int line) implements Node {}

    /** A macro parameter and its default ({@code null} when none). */
    record Parameter(String name, Expr fallback) {}

    /** {@code macro name(params) ... endmacro}. */
    record Macro(String name, List<Parameter> parameters, List<Node> body, int line) implements Node {}

    /** {@code call [(params)] macro(args) ... endcall}: the body is the macro's {@code caller()}. */
    record CallBlock(Expr.Call call, List<Parameter> parameters, List<Node> body, int line) implements Node {}

    /** {@code filter name(args) ... endfilter}: {@code filters} applies to the body's text. */
    record FilterBlock(Expr filters, List<Node> body, int line) implements Node {}

    /** {@code break}. */
    record Break(int line) implements Node {}

    /** {@code continue}. */
    record Continue(int line) implements Node {}
}
