package dev.jgpt.model.jinja;

/** The text a template (or a macro, a block set) writes, within the output limit. */
final class Output {

    private final StringBuilder text = new StringBuilder();
    private final Budget budget;

    Output(Budget budget) {
        this.budget = budget;
    }

    void append(String s, int line) {
        if ((long) text.length() + s.length() > budget.limits().maxOutputChars()) {
            throw new TemplateException("the output is longer than " + budget.limits().maxOutputChars()
                    + " characters", line);
        }
        budget.steps(s.length() / 64, line);
        text.append(s);
    }

    @Override
    public String toString() {
        return text.toString();
    }
}
