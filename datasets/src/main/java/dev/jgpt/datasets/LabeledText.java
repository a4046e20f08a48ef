package dev.jgpt.datasets;

/**
 * A text with a class label.
 *
 * @param text the message
 * @param label the class id (spam data: 0 = ham, 1 = spam)
 */
public record LabeledText(String text, int label) {}
