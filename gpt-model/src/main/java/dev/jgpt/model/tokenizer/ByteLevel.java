package dev.jgpt.model.tokenizer;

/**
 * GPT-2's reversible map from bytes to printable characters ({@code bytes_to_unicode} in OpenAI's
 * {@code encoder.py}): printable Latin-1 bytes map to themselves, the other 68 to U+0100 upward,
 * so that every BPE token is a string without control characters or spaces ({@code Ġ} is a space).
 */
final class ByteLevel {

    private static final char[] BYTE_TO_CHAR = new char[256];

    static {
        boolean[] direct = new boolean[256];
        for (int b = '!'; b <= '~'; b++) {
            direct[b] = true;
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            direct[b] = true;
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            direct[b] = true;
        }
        int next = 0;
        for (int b = 0; b < 256; b++) {
            BYTE_TO_CHAR[b] = direct[b] ? (char) b : (char) (256 + next++);
        }
    }

    private ByteLevel() {}

    /** The token string for raw bytes. */
    static String encode(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            sb.append(BYTE_TO_CHAR[b & 0xFF]);
        }
        return sb.toString();
    }
}
