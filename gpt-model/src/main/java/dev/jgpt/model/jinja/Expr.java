package dev.jgpt.model.jinja;

import java.util.List;

/** The expressions of the template language (the parser's output, the evaluator's input). */
sealed interface Expr {

    /** The 1-based template line. */
    int line();

    /** A constant: string, integer, float, boolean or none. */
    record Literal(Object value, int line) implements Expr {}

    /** A variable. */
    record Name(String name, int line) implements Expr {}

    /** {@code obj.name}. */
    record Attribute(Expr target, String name, int line) implements Expr {}

    /** {@code obj[key]}. */
    record Item(Expr target, Expr key, int line) implements Expr {}

    /** {@code obj[start:stop:step]}, each part optional ({@code null}). */
    record Slice(Expr target, Expr start, Expr stop, Expr step, int line) implements Expr {}

    /** A keyword argument {@code name=value}. */
    record Keyword(String name, Expr value) {}

    /** {@code fn(args, name=value)}. */
    record Call(Expr target, List<Expr> args, List<Keyword> keywords, int line) implements Expr {}

    /** {@code target | name(args)}. */
    record Filter(Expr target, String name, List<Expr> args, List<Keyword> keywords, int line) implements Expr {}

    /** {@code target is [not] name(args)}. */
    record Test(Expr target, String name, List<Expr> args, List<Keyword> keywords, boolean negated, int line)
            implements Expr {}

    /** {@code -x}, {@code +x}, {@code not x}. */
    record Unary(String op, Expr operand, int line) implements Expr {}

    /** Arithmetic, {@code ~}, {@code and}, {@code or}. */
    record Binary(String op, Expr left, Expr right, int line) implements Expr {}

    /** {@code a < b <= c}, {@code ==}, {@code in}, {@code not in}: Python's chained comparison. */
    record Compare(Expr first, List<String> ops, List<Expr> operands, int line) implements Expr {}

    /** {@code then if test else otherwise}; without else, {@code otherwise} is {@code null} (undefined). */
    record Conditional(Expr test, Expr then, Expr otherwise, int line) implements Expr {}

    /** {@code [a, b]}. */
    record ListLiteral(List<Expr> items, int line) implements Expr {}

    /** {@code (a, b)} or {@code a, b}. */
    record TupleLiteral(List<Expr> items, int line) implements Expr {}

    /** {@code {k: v}}. */
    record DictLiteral(List<Expr> keys, List<Expr> values, int line) implements Expr {}
}
