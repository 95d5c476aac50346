package org.uchub.directory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What an operator is told about a directory file: the line and the reason of each row left out, or of a refusal. */
class DirectoryFileTest {
    private static final String HEADER = "personId,name,number,jid,email,fax\r\n";

    @Test
    void eachRowLeftOutIsNamedByItsLineAndReason() throws Exception {
        DirectoryFile.Parsed p = DirectoryFile.parse("# comment\r\n" + HEADER
                + "alice,Alice,+4930111111,,,\r\n"
                + "two,\"Two\r\nLines\",+4930222222,,,\r\n"
                + "shifted,Smith, John,+4930333333,,,\r\n"
                + "alice,Alice Again,+4930444444,,,\r\n"
                + ",,,,,\r\n"
                + "bob,Bob,+4930555555,,,\r\n");
        assertEquals(List.of("line 6: it has 7 fields where the header has 6 (a value holding the separator must be in double quotes)",
                "line 7: person alice is already on line 3, which is the one kept"), p.skipped());
        assertEquals(List.of("line 4: person two: the name is left out: it must be at most 128 characters without control characters"
                + " (it has 10)"), p.leftOutValues());
        assertEquals(5, p.rows());
        assertEquals(3, p.people().size(), "alice, two (without its name) and bob");
        assertEquals("+4930222222", p.people().get("two").number());
        assertEquals(',', p.separator());
    }

    @Test
    void emptyColumnsExcelAddsToEveryRowAreFine() throws Exception {
        DirectoryFile.Parsed p = DirectoryFile.parse("personId;name;number;jid;email;fax;;\r\n"
                + "alice;Alice;+4930111111;;;;;\r\n");
        assertEquals(List.of(), p.skipped());
        assertEquals("Alice", p.people().get("alice").name());
        assertEquals(';', p.separator());
    }

    @Test
    void aRefusalNamesTheLine() {
        String cut = assertThrows(DirectoryFile.RefusedException.class,
                () -> DirectoryFile.parse(HEADER + "alice,Alice,+4930111111,,,\r\nbob,\"Bob")).getMessage();
        assertEquals("line 3: a quoted field opened on line 3 is never closed", cut);
        String noHeader = assertThrows(DirectoryFile.RefusedException.class,
                () -> DirectoryFile.parse("# comment\n\nid,name,number\n")).getMessage();
        assertTrue(noHeader.startsWith("line 3: the first line that is not a comment must be the header"), noHeader);
    }
}
