package dev.jgpt.datasets;

import java.util.List;

/**
 * Train, validation and test parts of a data set.
 *
 * @param train the training part
 * @param validation the validation part
 * @param test the test part
 * @param <T> the example type
 */
public record Splits<T>(List<T> train, List<T> validation, List<T> test) {

    /** Copies the lists so the splits cannot change. */
    public Splits {
        train = List.copyOf(train);
        validation = List.copyOf(validation);
        test = List.copyOf(test);
    }
}
