package org.uchub.support;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** Reading files that others can write into (the inbox, a shared recordings directory) without following a link. */
public final class PlainFiles {
    private PlainFiles() {
    }

    /** At most {@code limit} bytes of the file, not following a link (one swapped in fails the open). */
    public static byte[] read(Path file, long limit) throws IOException {
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            return in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit));
        }
    }
}
