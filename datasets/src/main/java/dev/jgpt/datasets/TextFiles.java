package dev.jgpt.datasets;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Strict UTF-8 reading: invalid bytes are an error naming the file and the byte offset. */
public final class TextFiles {

    /** The largest file read whole: 1 GiB (a Java string holds at most 2^31 - 1 characters). */
    static final long MAX_BYTES = 1L << 30;

    private TextFiles() {}

    /** The whole file as text. */
    public static String read(Path file) {
        byte[] bytes;
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            throw new DatasetException(file + " is not a regular file");
        }
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new DatasetException(String.format(java.util.Locale.ROOT, "%s has %,d bytes: more than %,d,"
                        + " which this reader holds in memory (pretraining streams any size: CorpusTokenizer)",
                        file, Files.size(file), MAX_BYTES));
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new DatasetException("File not found: " + file, e);
        } catch (IOException e) {
            throw new DatasetException("Cannot read " + file + ": " + e, e);
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(buf)
                    .toString();
        } catch (MalformedInputException e) {
            throw new DatasetException(file + " is not valid UTF-8 (bad byte at offset "
                    + buf.position() + ")", e);
        } catch (CharacterCodingException e) {
            throw new DatasetException(file + " is not valid UTF-8: " + e, e);
        }
    }

    /** The {@code .txt} files of a folder, sorted by name, each read strictly; or one file. */
    public static List<String> readAll(Path fileOrFolder) {
        return list(fileOrFolder).stream().map(TextFiles::read).collect(Collectors.toList());
    }

    /**
     * The {@code .txt} files of a folder, sorted by name; or the one file.
     *
     * @throws DatasetException if the folder has none
     */
    public static List<Path> list(Path fileOrFolder) {
        if (!Files.isDirectory(fileOrFolder)) {
            if (!Files.exists(fileOrFolder)) {
                throw new DatasetException("File not found: " + fileOrFolder);
            }
            return List.of(fileOrFolder);
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(fileOrFolder)) {
            files = s.filter(p -> p.toString().endsWith(".txt") && Files.isRegularFile(p))
                    .sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new DatasetException("Cannot list " + fileOrFolder + ": " + e, e);
        }
        if (files.isEmpty()) {
            throw new DatasetException("No .txt files in " + fileOrFolder);
        }
        return files;
    }
}
