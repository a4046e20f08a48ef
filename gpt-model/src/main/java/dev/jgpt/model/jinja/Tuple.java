package dev.jgpt.model.jinja;

import java.util.List;

/** A Python tuple: an immutable sequence, printed {@code (a, b)}, distinct from a list. */
record Tuple(List<Object> items) {

    Tuple {
        items = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(items));
    }
}
