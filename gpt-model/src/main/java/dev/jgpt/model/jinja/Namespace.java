package dev.jgpt.model.jinja;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code namespace(...)}: the one object a template may assign attributes to, across scopes. */
final class Namespace {

    final Map<Object, Object> attributes = new LinkedHashMap<>();
}
