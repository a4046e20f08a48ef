package dev.jgpt.model.jinja;

import java.time.Clock;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The functions HF's chat environment gives every template: {@code range} (at most 100,000 items,
 * as jinja2's sandbox), {@code dict}, {@code namespace}, {@code raise_exception} and {@code
 * strftime_now}.
 */
final class Globals {

    /** jinja2's sandbox refuses longer ranges. */
    static final int MAX_RANGE = 100_000;

    private Globals() {}

    static void install(Scope scope, Clock clock) {
        scope.set("range", function("range", Globals::range));
        scope.set("dict", function("dict", a -> {
            if (a.size() > 0) {
                throw new TemplateException("dict() takes keyword arguments only here", a.line());
            }
            return new LinkedHashMap<Object, Object>(a.keywords());
        }));
        scope.set("namespace", function("namespace", a -> {
            Namespace ns = new Namespace();
            for (Object o : a.positional()) {
                if (!(o instanceof Map<?, ?> m)) {
                    throw new TemplateException("namespace() takes a dict or keyword arguments", a.line());
                }
                ns.attributes.putAll(m);
            }
            ns.attributes.putAll(a.keywords());
            return ns;
        }));
        scope.set("raise_exception", function("raise_exception", a -> {
            throw TemplateException.raisedByTemplate(Values.str(a.get(0, "message", "")), a.line());
        }));
        scope.set("strftime_now", function("strftime_now", a ->
                strftime(Values.str(a.require(0, "format", "strftime_now")), ZonedDateTime.now(clock))));
    }

    private static Callable function(String name, java.util.function.Function<Arguments, Object> body) {
        return new Callable() {
            @Override
            public Object call(Arguments args) {
                return body.apply(args);
            }

            @Override
            public String name() {
                return name;
            }
        };
    }

    private static Object range(Arguments a) {
        if (a.size() < 1 || a.size() > 3 || !a.keywords().isEmpty()) {
            throw new TemplateException("range expected 1 to 3 integer arguments, got " + a.size(), a.line());
        }
        long start = 0;
        long step = 1;
        long stop;
        if (a.size() == 1) {
            stop = Methods.asLong(a.positional().get(0), a.line());
        } else {
            start = Methods.asLong(a.positional().get(0), a.line());
            stop = Methods.asLong(a.positional().get(1), a.line());
            if (a.size() == 3) {
                step = Methods.asLong(a.positional().get(2), a.line());
            }
        }
        if (step == 0) {
            throw new TemplateException("range() arg 3 must not be zero", a.line());
        }
        double count = Math.ceil(((double) stop - start) / step);
        if (count > MAX_RANGE) {
            throw new TemplateException("Range too big. The sandbox blocks ranges larger than MAX_RANGE (" + MAX_RANGE
                    + ").", a.line());
        }
        List<Object> out = new ArrayList<>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
            out.add(i);
        }
        return out;
    }

    /** Python's {@code strftime} for the common directives. */
    static String strftime(String format, ZonedDateTime t) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 >= format.length()) {
                sb.append(c);
                continue;
            }
            char d = format.charAt(++i);
            switch (d) {
                case 'Y': sb.append(t.getYear()); break;
                case 'y': sb.append(String.format("%02d", t.getYear() % 100)); break;
                case 'm': sb.append(String.format("%02d", t.getMonthValue())); break;
                case 'd': sb.append(String.format("%02d", t.getDayOfMonth())); break;
                case 'H': sb.append(String.format("%02d", t.getHour())); break;
                case 'I': sb.append(String.format("%02d", (t.getHour() + 11) % 12 + 1)); break;
                case 'M': sb.append(String.format("%02d", t.getMinute())); break;
                case 'S': sb.append(String.format("%02d", t.getSecond())); break;
                case 'p': sb.append(t.getHour() < 12 ? "AM" : "PM"); break;
                case 'j': sb.append(String.format("%03d", t.getDayOfYear())); break;
                case 'b': sb.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.US)); break;
                case 'B': sb.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.US)); break;
                case 'a': sb.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.US)); break;
                case 'A': sb.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.US)); break;
                case '%': sb.append('%'); break;
                default: sb.append('%').append(d);
            }
        }
        return sb.toString();
    }
}
