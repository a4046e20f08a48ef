package dev.jgpt.training;

/** The loss became NaN or infinite; the weights were not updated with it. */
public class TrainingDivergedException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /** A divergence described by {@code message}. */
    public TrainingDivergedException(String message) {
        super(message);
    }
}
