package org.uchub.directory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The directory as the enricher uses it: through {@code find} only. Each file is written with a
 * modification time an hour back (and a later one for each rewrite), so it counts as settled
 * without the test waiting.
 */
class DirectoryTest {
    private static final String HEADER = "personId,name,number,jid,email,fax\n";
    private static final String ALICE = "alice,Alice Example,+4930111111,alice@example.com,alice@example.com,+4930111119\n";
    private static final String BOB = "bob,Bob Example,+4930222222,bob@example.com,,\n";

    @TempDir
    Path dir;
    private long writes;

    private Path write(byte[] content) throws IOException {
        Path file = dir.resolve("directory.csv");
        Files.write(file, content);
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() - 3_600_000 + 1000 * writes++));
        return file;
    }

    private Path write(String content) throws IOException {
        return write(content.getBytes(StandardCharsets.UTF_8));
    }

    private static Directory.Person person(Directory d, String id) {
        Optional<Directory.Person> p = d.find(id);
        assertTrue(p.isPresent(), id + " is in the directory");
        return p.get();
    }

    @Test
    void aQuotedNameKeepsItsCommaAndTheColumnsAfterIt() throws IOException {
        Directory d = new Directory(write(HEADER + "smith,\"Smith, John\",+4930555555,smith@example.com,,\r\n"
                + "quote,\"Bob \"\"The Builder\"\"\",+4930666666,,,\r\n"));
        assertEquals("Smith, John", person(d, "smith").name());
        assertEquals("+4930555555", person(d, "smith").number());
        assertEquals("smith@example.com", person(d, "smith").jid());
        assertEquals("Bob \"The Builder\"", person(d, "quote").name());
    }

    @Test
    void anExcelByteOrderMarkBeforeTheCommentLineIsDropped() throws IOException {
        byte[] text = ("# The hub's directory\r\n" + HEADER + ALICE).getBytes(StandardCharsets.UTF_8);
        byte[] withBom = new byte[text.length + 3];
        withBom[0] = (byte) 0xEF;
        withBom[1] = (byte) 0xBB;
        withBom[2] = (byte) 0xBF;
        System.arraycopy(text, 0, withBom, 3, text.length);
        Directory d = new Directory(write(withBom));
        assertEquals("+4930111111", person(d, "alice").number());
        assertTrue(d.find("personId").isEmpty(), "the header is not a person");
    }

    @Test
    void aFileSeparatedBySemicolonsIsReadByItsHeader() throws IOException {
        Directory d = new Directory(write("personId;name;number;jid;email;fax\r\n"
                + "mueller;Müller, Jürgen;+4930777777;;mueller@example.com;\r\n"));
        assertEquals("Müller, Jürgen", person(d, "mueller").name());
        assertEquals("mueller@example.com", person(d, "mueller").email());
    }

    @Test
    void aDuplicatePersonIdKeepsTheFirstRow() throws IOException {
        Directory d = new Directory(write(HEADER + ALICE + "alice,Alice Again,+4930999999,,,\n" + BOB));
        assertEquals("Alice Example", person(d, "alice").name());
        assertEquals("Bob Example", person(d, "bob").name());
    }

    @Test
    void aValueBreakingTheRequestRulesIsLeftOutAndTheRestOfItsPersonLoads() throws IOException {
        Directory d = new Directory(write(HEADER + ALICE
                + "long," + "x".repeat(129) + ",+4930333333,,,\n"
                + "bell,Ring\u0007Bell,+4930444444,,,\n"
                + "\"newline\",\"Two\nLines\",+4930555555,,,\n"
                + "spaced,Spaced Number,+49 30 1234,,,+4930666666\n"
                + "mail,Bad Mail,+4930777777,,not an address,\n"
                + "bad id!,Bad Id,+4930888888,,,\n"
                + BOB));
        for (String id : new String[] {"long", "bell", "newline"}) {
            assertEquals(null, person(d, id).name(), id + " keeps its number, not its name");
        }
        assertEquals("+4930333333", person(d, "long").number());
        assertEquals(null, person(d, "spaced").number());
        assertEquals("+4930666666", person(d, "spaced").fax(), "a bad number does not lose the fax");
        assertEquals(null, person(d, "mail").email());
        assertEquals("+4930777777", person(d, "mail").number());
        assertTrue(d.find("bad id!").isEmpty(), "a row without a valid person id is left out whole");
        person(d, "alice");
        person(d, "bob");
    }

    @Test
    void anEmptyTruncatedOrHeaderlessFileKeepsThePreviousDirectory() throws IOException {
        Directory d = new Directory(write(HEADER + ALICE + BOB));
        String[] bad = {
            "",                                                 // saved empty
            "personId,na",                                      // cut inside the header
            HEADER + "alice,\"Alice Ex",                        // cut inside a quoted field
            "# only a comment\n",
            ALICE + BOB,                                        // no header
            HEADER + "alice!,Alice,+4930111111,,,\n",           // every row refused (no valid person id)
        };
        for (String content : bad) {
            write(content);
            assertEquals("Alice Example", person(d, "alice").name(), "after " + content);
            person(d, "bob");
        }
        write(HEADER + BOB);
        assertTrue(d.find("alice").isEmpty(), "a good file is taken again");
    }

    @Test
    void aHeaderWithoutRowsEmptiesTheDirectoryOnPurpose() throws IOException {
        Directory d = new Directory(write(HEADER + ALICE));
        person(d, "alice");
        write("# everyone has left\n" + HEADER);
        assertTrue(d.find("alice").isEmpty());
    }

    @Test
    void aChangedFileIsReadOnlyOnceItHasSettled() throws IOException {
        Path file = write(HEADER + ALICE);
        Directory d = new Directory(file);
        Files.writeString(file, HEADER + BOB);
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis()));
        person(d, "alice");
        assertTrue(d.find("bob").isEmpty(), "a file just written may still be being written");
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        person(d, "bob");
        assertTrue(d.find("alice").isEmpty());
    }

    @Test
    void aFileThatIsNotUtf8KeepsThePreviousDirectory() throws IOException {
        Directory d = new Directory(write(HEADER + ALICE));
        write((HEADER + "mueller,M\u00fcller,+4930777777,,,\n").getBytes(StandardCharsets.ISO_8859_1));
        person(d, "alice");
        assertTrue(d.find("mueller").isEmpty());
    }
}
