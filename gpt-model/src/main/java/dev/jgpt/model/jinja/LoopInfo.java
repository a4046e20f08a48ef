package dev.jgpt.model.jinja;

import java.util.List;

/**
 * The {@code loop} variable of a for loop's iteration: {@code index}, {@code index0},
 * {@code revindex}, {@code revindex0}, {@code first}, {@code last}, {@code length},
 * {@code previtem}, {@code nextitem}, {@code depth}, {@code depth0}, {@code cycle(...)}.
 */
record LoopInfo(List<Object> items, int index0) {

    int length() {
        return items.size();
    }

    /** The attribute {@code name}, or an {@link Undefined}. */
    Object attribute(String name) {
        int n = items.size();
        switch (name) {
            case "index": return (long) index0 + 1;
            case "index0": return (long) index0;
            case "revindex": return (long) (n - index0);
            case "revindex0": return (long) (n - index0 - 1);
            case "first": return index0 == 0;
            case "last": return index0 == n - 1;
            case "length": return (long) n;
            case "depth": return 1L;
            case "depth0": return 0L;
            case "previtem":
                return index0 > 0 ? items.get(index0 - 1) : Undefined.because("there is no previous item");
            case "nextitem":
                return index0 < n - 1 ? items.get(index0 + 1) : Undefined.because("there is no next item");
            case "cycle":
                return new Callable() {
                    @Override
                    public Object call(Arguments args) {
                        if (args.size() == 0) {
                            throw new TemplateException("no items for cycling given", args.line());
                        }
                        return args.positional().get(index0 % args.size());
                    }

                    @Override
                    public String name() {
                        return "cycle";
                    }
                };
            default:
                return Undefined.attribute(this, name);
        }
    }
}
