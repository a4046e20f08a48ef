package dev.jgpt.model.jinja;

import dev.jgpt.model.jinja.Token.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Tokens to the statement tree, with jinja2's grammar and operator precedence (lowest first):
 * conditional, {@code or}, {@code and}, {@code not}, comparisons and {@code in}, {@code + -},
 * {@code ~}, {@code * / // %}, {@code **}, unary minus, then postfix {@code . [] ()} and filters
 * and tests. Unknown filters and tests are errors here, as jinja2 reports them when compiling.
 */
final class Parser {

    /** The name the body text of a filter block or block set is bound to for its filters. */
    static final String BODY = "#body";

    private static final Set<String> STOP = Set.of("else", "or", "and");

    private final List<Token> tokens;
    private final int maxDepth;
    private int pos;
    private int depth;

    private Parser(List<Token> tokens, int maxDepth) {
        this.tokens = tokens;
        this.maxDepth = maxDepth;
    }

    /** The statements of {@code source}. */
    static List<Node> parse(String source, Limits limits) {
        Parser p = new Parser(Lexer.tokenize(source), limits.maxDepth());
        List<Node> body = p.body(Set.of());
        if (p.peek().kind() != Kind.EOF) {
            Token t = p.peek();
            throw p.error("Encountered unknown tag '" + p.peek(1).text() + "'", t);
        }
        return body;
    }

    // ---- statements

    /** Statements up to a block tag named in {@code ends} (left unconsumed: the caller reads it) or EOF. */
    private List<Node> body(Set<String> ends) {
        enter(peek());
        List<Node> out = new ArrayList<>();
        while (true) {
            Token t = peek();
            switch (t.kind()) {
                case EOF:
                    if (!ends.isEmpty()) {
                        throw error("Unexpected end of template. Jinja was looking for the following tags: "
                                + String.join(" or ", ends.stream().sorted().map(e -> "'" + e + "'").toList())
                                + ".", t);
                    }
                    depth--;
                    return out;
                case TEXT:
                    pos++;
                    out.add(new Node.Text(t.text(), t.line()));
                    break;
                case VARIABLE_BEGIN:
                    pos++;
                    Expr e = tuple(true);
                    expect(Kind.VARIABLE_END, "'}}'");
                    out.add(new Node.Output(e, t.line()));
                    break;
                case BLOCK_BEGIN:
                    Token name = peek(1);
                    if (name.kind() == Kind.NAME && ends.contains(name.text())) {
                        depth--;
                        return out;
                    }
                    pos++;
                    Node n = statement(ends);
                    if (n != null) {
                        out.add(n);
                    }
                    break;
                default:
                    throw error("unexpected " + t.describe(), t);
            }
        }
    }

    private Node statement(Set<String> ends) {
        Token t = next();
        if (t.kind() != Kind.NAME) {
            throw error("tag name expected", t);
        }
        switch (t.text()) {
            case "if": return ifStatement(t);
            case "for": return forStatement(t);
            case "set": return setStatement(t);
            case "macro": return macro(t);
            case "call": return callBlock(t);
            case "filter": return filterBlock(t);
            case "break": endTag(); return new Node.Break(t.line());
            case "continue": endTag(); return new Node.Continue(t.line());
            case "generation": { // HF's assistant-mask marker: renders its body
                endTag();
                List<Node> body = body(Set.of("endgeneration"));
                closing("endgeneration");
                return new Node.If(List.of(new Node.Branch(new Expr.Literal(true, t.line()), body)), List.of(),
                        t.line());
            }
            default:
                if (!ends.isEmpty()) {
                    throw error("Encountered unknown tag '" + t.text() + "'. Jinja was looking for the following"
                            + " tags: " + String.join(" or ", ends.stream().sorted().map(e -> "'" + e + "'")
                                    .toList()) + ".", t);
                }
                throw error("Encountered unknown tag '" + t.text() + "'.", t);
        }
    }

    private Node ifStatement(Token t) {
        List<Node.Branch> branches = new ArrayList<>();
        Expr test = tuple(false);
        endTag();
        while (true) {
            List<Node> body = body(Set.of("elif", "else", "endif"));
            branches.add(new Node.Branch(test, body));
            pos++; // {%
            Token tag = next();
            if (tag.text().equals("elif")) {
                test = tuple(false);
                endTag();
            } else if (tag.text().equals("else")) {
                endTag();
                List<Node> otherwise = body(Set.of("endif"));
                closing("endif");
                return new Node.If(branches, otherwise, t.line());
            } else {
                endTag();
                return new Node.If(branches, List.of(), t.line());
            }
        }
    }

    private Node forStatement(Token t) {
        Node.Target target = target(false);
        if (!next().isName("in")) {
            throw error("expected 'in'", tokens.get(pos - 1));
        }
        Expr iterable = tuple(false, false);
        Expr filter = null;
        if (peek().isName("if")) {
            pos++;
            filter = expression(true);
        }
        if (peek().isName("recursive")) {
            throw error("recursive loops are not supported", peek());
        }
        endTag();
        List<Node> body = body(Set.of("endfor", "else"));
        List<Node> otherwise = List.of();
        pos++;
        if (next().text().equals("else")) {
            endTag();
            otherwise = body(Set.of("endfor"));
            closing("endfor");
        } else {
            endTag();
        }
        return new Node.For(target, iterable, filter, body, otherwise, t.line());
    }

    private Node setStatement(Token t) {
        Node.Target target = target(true);
        if (peek().isOperator("=")) {
            pos++;
            Expr value = tuple(true);
            endTag();
            return new Node.Set(target, value, t.line());
        }
        if (!(target instanceof Node.NameTarget name)) {
            throw error("expected '='", peek());
        }
        Expr filters = filterChain(new Expr.Name(BODY, t.line()), false);
        endTag();
        List<Node> body = body(Set.of("endset"));
        closing("endset");
        return new Node.SetBlock(name.name(), filters, body, t.line());
    }

    private Node macro(Token t) {
        String name = name();
        List<Node.Parameter> params = parameters();
        endTag();
        List<Node> body = body(Set.of("endmacro"));
        closing("endmacro");
        return new Node.Macro(name, params, body, t.line());
    }

    private List<Node.Parameter> parameters() {
        List<Node.Parameter> params = new ArrayList<>();
        expectOperator("(");
        while (!peek().isOperator(")")) {
            if (!params.isEmpty()) {
                expectOperator(",");
                if (peek().isOperator(")")) {
                    break;
                }
            }
            String p = name();
            Expr fallback = null;
            if (peek().isOperator("=")) {
                pos++;
                fallback = expression(true);
            }
            params.add(new Node.Parameter(p, fallback));
        }
        pos++;
        return params;
    }

    private Node callBlock(Token t) {
        List<Node.Parameter> params = peek().isOperator("(") ? parameters() : List.of();
        Expr call = expression(true);
        if (!(call instanceof Expr.Call c)) {
            throw error("expected call", t);
        }
        endTag();
        List<Node> body = body(Set.of("endcall"));
        closing("endcall");
        return new Node.CallBlock(c, params, body, t.line());
    }

    private Node filterBlock(Token t) {
        Expr filters = filterChain(new Expr.Name(BODY, t.line()), true);
        endTag();
        List<Node> body = body(Set.of("endfilter"));
        closing("endfilter");
        return new Node.FilterBlock(filters, body, t.line());
    }

    /** {@code name}, {@code a, b} or (for set) {@code ns.attr}. */
    private Node.Target target(boolean forSet) {
        String first = name();
        if (forSet && peek().isOperator(".")) {
            pos++;
            return new Node.AttributeTarget(first, name());
        }
        if (!peek().isOperator(",")) {
            return new Node.NameTarget(first);
        }
        List<String> names = new ArrayList<>(List.of(first));
        while (peek().isOperator(",")) {
            pos++;
            if (peek().kind() != Kind.NAME || peek().isName("in")) {
                break;
            }
            names.add(name());
        }
        return new Node.TupleTarget(names);
    }

    /** {@code {% endX %}}. */
    private void closing(String tag) {
        pos++;
        Token t = next();
        if (!t.isName(tag)) {
            throw error("expected '" + tag + "'", t);
        }
        endTag();
    }

    private void endTag() {
        expect(Kind.BLOCK_END, "end of statement block");
    }

    // ---- expressions

    /** An expression, or several separated by commas: a tuple. */
    private Expr tuple(boolean withConditional) {
        return tuple(withConditional, true);
    }

    private Expr tuple(boolean withConditional, boolean allowConditionalArgs) {
        Token t = peek();
        Expr first = withConditional ? expression(true) : or();
        if (!peek().isOperator(",")) {
            return first;
        }
        List<Expr> items = new ArrayList<>(List.of(first));
        while (peek().isOperator(",")) {
            pos++;
            if (!startsExpression(peek())) {
                break;
            }
            items.add(withConditional ? expression(true) : or());
        }
        return new Expr.TupleLiteral(items, t.line());
    }

    private boolean startsExpression(Token t) {
        switch (t.kind()) {
            case NAME:
                return !t.text().equals("in") && !t.text().equals("if");
            case STRING:
            case INTEGER:
            case FLOAT:
                return true;
            case OPERATOR:
                return t.text().equals("(") || t.text().equals("[") || t.text().equals("{") || t.text().equals("-")
                        || t.text().equals("+");
            default:
                return false;
        }
    }

    private Expr expression(boolean withConditional) {
        enter(peek());
        Expr e = or();
        if (withConditional) {
            while (peek().isName("if")) {
                Token t = next();
                Expr test = or();
                Expr otherwise = null;
                if (peek().isName("else")) {
                    pos++;
                    otherwise = expression(true);
                }
                e = new Expr.Conditional(test, e, otherwise, t.line());
            }
        }
        depth--;
        return e;
    }

    private Expr or() {
        Expr e = and();
        while (peek().isName("or")) {
            Token t = next();
            e = new Expr.Binary("or", e, and(), t.line());
        }
        return e;
    }

    private Expr and() {
        Expr e = not();
        while (peek().isName("and")) {
            Token t = next();
            e = new Expr.Binary("and", e, not(), t.line());
        }
        return e;
    }

    private Expr not() {
        if (peek().isName("not")) {
            Token t = next();
            enter(t);
            Expr e = new Expr.Unary("not", not(), t.line());
            depth--;
            return e;
        }
        return compare();
    }

    private static final Set<String> COMPARISONS = Set.of("==", "!=", "<", "<=", ">", ">=");

    private Expr compare() {
        Token t = peek();
        Expr first = math1();
        List<String> ops = new ArrayList<>();
        List<Expr> operands = new ArrayList<>();
        while (true) {
            Token n = peek();
            if (n.kind() == Kind.OPERATOR && COMPARISONS.contains(n.text())) {
                pos++;
                ops.add(n.text());
            } else if (n.isName("in")) {
                pos++;
                ops.add("in");
            } else if (n.isName("not") && peek(1).isName("in")) {
                pos += 2;
                ops.add("not in");
            } else {
                break;
            }
            operands.add(math1());
        }
        return ops.isEmpty() ? first : new Expr.Compare(first, ops, operands, t.line());
    }

    private Expr math1() {
        Expr e = concat();
        while (peek().isOperator("+") || peek().isOperator("-")) {
            Token t = next();
            e = new Expr.Binary(t.text(), e, concat(), t.line());
        }
        return e;
    }

    private Expr concat() {
        Expr e = math2();
        while (peek().isOperator("~")) {
            Token t = next();
            e = new Expr.Binary("~", e, math2(), t.line());
        }
        return e;
    }

    private Expr math2() {
        Expr e = pow();
        while (peek().isOperator("*") || peek().isOperator("/") || peek().isOperator("//")
                || peek().isOperator("%")) {
            Token t = next();
            e = new Expr.Binary(t.text(), e, pow(), t.line());
        }
        return e;
    }

    private Expr pow() {
        Expr e = unary(true);
        while (peek().isOperator("**")) {
            Token t = next();
            e = new Expr.Binary("**", e, unary(true), t.line());
        }
        return e;
    }

    private Expr unary(boolean withFilter) {
        Token t = peek();
        enter(t);
        Expr e;
        if (t.isOperator("-") || t.isOperator("+")) {
            pos++;
            e = new Expr.Unary(t.text(), unary(false), t.line());
        } else {
            e = primary();
        }
        e = postfix(e);
        if (withFilter) {
            e = filterChain(e, false);
        }
        depth--;
        return e;
    }

    private Expr primary() {
        Token t = next();
        switch (t.kind()) {
            case NAME:
                switch (t.text()) {
                    case "true": case "True": return new Expr.Literal(true, t.line());
                    case "false": case "False": return new Expr.Literal(false, t.line());
                    case "none": case "None": return new Expr.Literal(null, t.line());
                    default: return new Expr.Name(t.text(), t.line());
                }
            case STRING: {
                StringBuilder sb = new StringBuilder(t.text());
                while (peek().kind() == Kind.STRING) {
                    sb.append(next().text());
                }
                return new Expr.Literal(sb.toString(), t.line());
            }
            case INTEGER:
                try {
                    return new Expr.Literal(Long.parseLong(t.text()), t.line());
                } catch (NumberFormatException e) {
                    throw error("integer literal too large: " + t.text(), t);
                }
            case FLOAT:
                return new Expr.Literal(Double.parseDouble(t.text()), t.line());
            case OPERATOR:
                switch (t.text()) {
                    case "(": return parenthesized(t);
                    case "[": return list(t);
                    case "{": return dict(t);
                    default: break;
                }
                break;
            default:
                break;
        }
        throw error("unexpected " + t.describe(), t);
    }

    private Expr parenthesized(Token t) {
        if (peek().isOperator(")")) {
            pos++;
            return new Expr.TupleLiteral(List.of(), t.line());
        }
        Expr first = expression(true);
        if (peek().isOperator(")")) {
            pos++;
            return first;
        }
        List<Expr> items = new ArrayList<>(List.of(first));
        while (peek().isOperator(",")) {
            pos++;
            if (peek().isOperator(")")) {
                break;
            }
            items.add(expression(true));
        }
        expectOperator(")");
        return new Expr.TupleLiteral(items, t.line());
    }

    private Expr list(Token t) {
        List<Expr> items = new ArrayList<>();
        while (!peek().isOperator("]")) {
            if (!items.isEmpty()) {
                expectOperator(",");
                if (peek().isOperator("]")) {
                    break;
                }
            }
            items.add(expression(true));
        }
        pos++;
        return new Expr.ListLiteral(items, t.line());
    }

    private Expr dict(Token t) {
        List<Expr> keys = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (!peek().isOperator("}")) {
            if (!keys.isEmpty()) {
                expectOperator(",");
                if (peek().isOperator("}")) {
                    break;
                }
            }
            keys.add(expression(true));
            expectOperator(":");
            values.add(expression(true));
        }
        pos++;
        return new Expr.DictLiteral(keys, values, t.line());
    }

    private Expr postfix(Expr e) {
        while (true) {
            Token t = peek();
            if (t.isOperator(".")) {
                pos++;
                Token n = next();
                if (n.kind() == Kind.NAME) {
                    e = new Expr.Attribute(e, n.text(), t.line());
                } else if (n.kind() == Kind.INTEGER) {
                    e = new Expr.Item(e, new Expr.Literal(Long.parseLong(n.text()), n.line()), t.line());
                } else {
                    throw error("expected name or number", n);
                }
            } else if (t.isOperator("[")) {
                pos++;
                e = subscript(e, t);
            } else if (t.isOperator("(")) {
                pos++;
                e = call(e, t);
            } else {
                return e;
            }
        }
    }

    private Expr subscript(Expr target, Token t) {
        Expr[] parts = new Expr[3];
        int part = 0;
        boolean slice = false;
        while (!peek().isOperator("]")) {
            if (peek().isOperator(":")) {
                pos++;
                slice = true;
                part++;
                if (part > 2) {
                    throw error("unexpected ':'", tokens.get(pos - 1));
                }
            } else {
                if (parts[part] != null) {
                    throw error("expected ']'", peek());
                }
                parts[part] = expression(true);
            }
        }
        pos++;
        if (!slice) {
            if (parts[0] == null) {
                throw error("expected an index", t);
            }
            return new Expr.Item(target, parts[0], t.line());
        }
        return new Expr.Slice(target, parts[0], parts[1], parts[2], t.line());
    }

    private Expr.Call call(Expr target, Token t) {
        List<Expr> args = new ArrayList<>();
        List<Expr.Keyword> keywords = new ArrayList<>();
        arguments(args, keywords);
        return new Expr.Call(target, args, keywords, t.line());
    }

    /** After {@code (}: arguments up to and including {@code )}. */
    private void arguments(List<Expr> args, List<Expr.Keyword> keywords) {
        boolean first = true;
        while (!peek().isOperator(")")) {
            if (!first) {
                expectOperator(",");
                if (peek().isOperator(")")) {
                    break;
                }
            }
            first = false;
            if (peek().kind() == Kind.NAME && peek(1).isOperator("=")) {
                String key = next().text();
                pos++;
                keywords.add(new Expr.Keyword(key, expression(true)));
            } else {
                if (!keywords.isEmpty()) {
                    throw error("positional argument after keyword argument", peek());
                }
                args.add(expression(true));
            }
        }
        pos++;
    }

    /** Filters ({@code | name(args)}) and tests ({@code is [not] name args}) after {@code e}. */
    private Expr filterChain(Expr e, boolean required) {
        if (required && !peek().isOperator("|") && peek().kind() == Kind.NAME) {
            e = filter(e, peek());
        }
        while (true) {
            Token t = peek();
            if (t.isOperator("|")) {
                pos++;
                e = filter(e, peek());
            } else if (t.isName("is")) {
                pos++;
                e = test(e, t);
            } else if (t.isOperator("(")) {
                pos++;
                e = call(e, t);
            } else {
                return e;
            }
        }
    }

    private Expr filter(Expr target, Token t) {
        String name = dottedName();
        if (!Filters.exists(name)) {
            throw error("No filter named '" + name + "'.", t);
        }
        List<Expr> args = new ArrayList<>();
        List<Expr.Keyword> keywords = new ArrayList<>();
        if (peek().isOperator("(")) {
            pos++;
            arguments(args, keywords);
        }
        return new Expr.Filter(target, name, args, keywords, t.line());
    }

    private Expr test(Expr target, Token t) {
        boolean negated = false;
        if (peek().isName("not")) {
            pos++;
            negated = true;
        }
        Token n = peek();
        String name = dottedName();
        if (!Tests.exists(name)) {
            throw error("No test named '" + name + "'.", n);
        }
        List<Expr> args = new ArrayList<>();
        List<Expr.Keyword> keywords = new ArrayList<>();
        Token a = peek();
        if (a.isOperator("(")) {
            pos++;
            arguments(args, keywords);
        } else if ((a.kind() == Kind.NAME || a.kind() == Kind.STRING || a.kind() == Kind.INTEGER
                || a.kind() == Kind.FLOAT || a.isOperator("[") || a.isOperator("{"))
                && !(a.kind() == Kind.NAME && STOP.contains(a.text()))) {
            if (a.isName("is")) {
                throw error("You cannot chain multiple tests with is", a);
            }
            enter(a);
            args.add(postfix(primary()));
            depth--;
        }
        return new Expr.Test(target, name, args, keywords, negated, t.line());
    }

    private String dottedName() {
        StringBuilder sb = new StringBuilder(name());
        while (peek().isOperator(".") && peek(1).kind() == Kind.NAME) {
            pos++;
            sb.append('.').append(name());
        }
        return sb.toString();
    }

    // ---- tokens

    private void enter(Token t) {
        if (++depth > maxDepth) {
            throw error("template nested deeper than " + maxDepth + " levels", t);
        }
    }

    private String name() {
        Token t = next();
        if (t.kind() != Kind.NAME) {
            throw error("expected a name, got " + t.describe(), t);
        }
        return t.text();
    }

    private void expectOperator(String op) {
        Token t = next();
        if (!t.isOperator(op)) {
            throw error("expected '" + op + "', got " + t.describe(), t);
        }
    }

    private void expect(Kind kind, String what) {
        Token t = next();
        if (t.kind() != kind) {
            throw error("expected " + what + ", got " + t.describe(), t);
        }
    }

    private Token peek() {
        return tokens.get(Math.min(pos, tokens.size() - 1));
    }

    private Token peek(int ahead) {
        return tokens.get(Math.min(pos + ahead, tokens.size() - 1));
    }

    private Token next() {
        Token t = peek();
        if (pos < tokens.size()) {
            pos++;
        }
        return t;
    }

    private TemplateException error(String message, Token t) {
        return new TemplateException(message, t.line(), t.column());
    }
}
