package org.uchub.directory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The people the hub can reach by person id, from a CSV file
 * ({@code personId,name,number,jid,email,fax}, header line first). The file is read again
 * when it changes, so editing it needs no restart.
 */
public class Directory {
    private static final Logger LOG = LoggerFactory.getLogger(Directory.class);

    public record Person(String personId, String name, String number, String jid, String email, String fax) {
    }

    private final Path file;
    private volatile FileTime loadedAt;
    private volatile Map<String, Person> people = Map.of();

    public Directory(Path file) {
        this.file = file;
        reloadIfChanged();
    }

    public Optional<Person> find(String personId) {
        reloadIfChanged();
        return Optional.ofNullable(people.get(personId));
    }

    private synchronized void reloadIfChanged() {
        try {
            if (!Files.exists(file)) {
                if (loadedAt == null) {
                    LOG.warn("Directory {} does not exist: person ids will not resolve", file);
                    loadedAt = FileTime.fromMillis(0);
                }
                return;
            }
            FileTime modified = Files.getLastModifiedTime(file);
            if (modified.equals(loadedAt)) {
                return;
            }
            people = parse(Files.readAllLines(file, StandardCharsets.UTF_8));
            loadedAt = modified;
            LOG.info("Directory {} loaded: {} people", file, people.size());
        } catch (IOException e) {
            LOG.error("Directory {} unreadable, keeping the previous one: {}", file, e.toString());
        }
    }

    static Map<String, Person> parse(List<String> lines) {
        Map<String, Person> out = new HashMap<>();
        boolean header = true;
        for (String line : lines) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            if (header) {
                header = false;
                continue;
            }
            String[] f = t.split(",", -1);
            if (f.length < 6 || f[0].isBlank()) {
                LOG.warn("Directory line ignored, it needs 6 fields: {}", t);
                continue;
            }
            out.put(f[0].strip(), new Person(f[0].strip(), blankToNull(f[1]), blankToNull(f[2]), blankToNull(f[3]),
                    blankToNull(f[4]), blankToNull(f[5])));
        }
        return Map.copyOf(out);
    }

    private static String blankToNull(String s) {
        String t = s.strip();
        return t.isEmpty() ? null : t;
    }
}
