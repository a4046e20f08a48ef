package dev.jgpt.datasets;

/**
 * A text cut into a training and a validation part at a fraction of its characters, as the book
 * does before tokenizing ({@code split_idx = int(train_ratio * len(text))}).
 *
 * @param train the first part
 * @param validation the rest
 */
public record TextSplit(String train, String validation) {

    /**
     * Splits {@code text} at {@code (int) (ratio * length)} characters (never inside a surrogate
     * pair).
     */
    public static TextSplit byCharacters(String text, double ratio) {
        if (!(ratio > 0 && ratio < 1)) {
            throw new IllegalArgumentException("The train ratio must be in (0, 1), got " + ratio);
        }
        int cut = (int) (ratio * text.length());
        if (cut > 0 && cut < text.length() && Character.isLowSurrogate(text.charAt(cut))) {
            cut--;
        }
        return new TextSplit(text.substring(0, cut), text.substring(cut));
    }
}
