package org.uchub.directory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.uchub.contract.Participant;
import org.uchub.directory.Directory.Person;
import org.uchub.request.RequestRejectedException;
import org.uchub.request.RequestRules;

/**
 * The directory file's format: comment lines, then the header {@code personId,name,number,jid,email,fax}
 * separated by ',' or ';', then one person a row. A row is taken only whole: every value in it
 * must pass the rule the same value in a request passes, since a directory entry stands in for
 * one (a name is a displayName, a number is a number). A bad row is left out with its reason;
 * only a file whose header is missing or whose quotes never close is refused as a whole.
 */
final class DirectoryFile {
    static final List<String> HEADER = List.of("personId", "name", "number", "jid", "email", "fax");
    // ';' is what Excel writes where ',' is the decimal separator (German and others): the
    // header tells which, and no value the directory accepts contains either.
    private static final char[] SEPARATORS = {',', ';'};

    /** The header's separator, and its number of columns: Excel pads every row to its widest one. */
    private record Header(char separator, int width) {
    }

    /** The people of a file, how many data rows it had, and each row left out with its line and reason. */
    /** @param leftOutValues values left out of a row that was taken (a bad fax number does not lose the person's phone) */
    record Parsed(Map<String, Person> people, int rows, char separator, List<String> skipped, List<String> leftOutValues) {
    }

    /** A file that cannot be taken at all. */
    static final class RefusedException extends Exception {
        RefusedException(String message) {
            super(message);
        }
    }

    private DirectoryFile() {
    }

    static Parsed parse(String text) throws RefusedException {
        // Excel's "CSV UTF-8" starts with a byte order mark: left in, the first line's '#' is
        // not at its start, and the comment would be taken for the header.
        String t = text.startsWith("\uFEFF") ? text.substring(1) : text;
        Header header = header(t);
        CsvReader in = new CsvReader(t, header.separator());
        Map<String, Person> people = new LinkedHashMap<>();
        Map<String, Integer> lineOf = new HashMap<>();
        List<String> skipped = new ArrayList<>();
        List<String> leftOutValues = new ArrayList<>();
        int rows = 0;
        try {
            in.next();
            for (CsvReader.Row row = in.next(); row != null; row = in.next()) {
                if (row.fields().stream().allMatch(String::isBlank)) {
                    continue; // Excel writes ",,,,," for a row that once held something
                }
                rows++;
                String problem = problem(row.fields(), header.width());
                if (problem == null) {
                    List<String> dropped = new ArrayList<>();
                    Person p = withValidValues(person(row.fields()), dropped);
                    for (String d : dropped) {
                        leftOutValues.add("line " + row.line() + ": " + d);
                    }
                    // The first row wins, as in a lookup reading from the top: an operator
                    // looking for a person finds that one first too.
                    Integer first = lineOf.putIfAbsent(p.personId(), row.line());
                    if (first == null) {
                        people.put(p.personId(), p);
                        continue;
                    }
                    problem = "person " + p.personId() + " is already on line " + first + ", which is the one kept";
                }
                skipped.add("line " + row.line() + ": " + problem);
            }
        } catch (CsvReader.UnclosedQuoteException e) {
            throw new RefusedException("line " + e.line + ": " + e.getMessage());
        }
        return new Parsed(Map.copyOf(people), rows, header.separator(), List.copyOf(skipped), List.copyOf(leftOutValues));
    }

    private static Header header(String text) throws RefusedException {
        CsvReader.Row first = null;
        for (char separator : SEPARATORS) {
            try {
                CsvReader.Row row = new CsvReader(text, separator).next();
                if (row == null) {
                    throw new RefusedException("it has no header line (" + String.join(",", HEADER) + "): it is empty or all comments");
                }
                if (isHeader(row.fields())) {
                    return new Header(separator, row.fields().size());
                }
                first = first == null ? row : first;
            } catch (CsvReader.UnclosedQuoteException e) {
                throw new RefusedException("line " + e.line + ": " + e.getMessage());
            }
        }
        throw new RefusedException("line " + first.line() + ": the first line that is not a comment must be the header "
                + String.join(",", HEADER) + " (or the same with ';'), not \"" + RequestRules.printable(String.join(",", first.fields())) + "\"");
    }

    private static boolean isHeader(List<String> fields) {
        if (fields.size() < HEADER.size() || !blankFrom(fields, HEADER.size())) {
            return false;
        }
        for (int i = 0; i < HEADER.size(); i++) {
            if (!fields.get(i).strip().equalsIgnoreCase(HEADER.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** Why a row cannot be taken, or null. */
    private static String problem(List<String> f, int width) {
        // Empty columns after the six are Excel's (a sheet once wider), and then in every row;
        // any other count means the columns have shifted, typically at an unquoted comma in a name.
        if (f.size() != width || !blankFrom(f, HEADER.size())) {
            return "it has " + f.size() + " fields where the header has " + width
                    + " (a value holding the separator must be in double quotes)";
        }
        Person p = person(f);
        if (p.personId() == null) {
            return "it has no personId";
        }
        String id = check(p.personId(), Participant::setPersonId);
        if (id != null) {
            return id;
        }
        return null;
    }

    /**
     * The person with each value that breaks the request rules left out, each named in
     * {@code dropped}: a person whose fax number is wrong can still be called, and one whose
     * name is too long still reached.
     */
    private static Person withValidValues(Person p, List<String> dropped) {
        String who = "person " + p.personId() + ": ";
        String name = p.name();
        if (name != null && !RequestRules.isDisplayName(name)) {
            dropped.add(who + "the name is left out: it must be at most " + RequestRules.MAX_DISPLAY_NAME
                    + " characters without control characters (it has " + name.length() + ")");
            name = null;
        }
        return new Person(p.personId(), name, valid(who, "number", p.number(), Participant::setNumber, dropped),
                valid(who, "jid", p.jid(), Participant::setJid, dropped), valid(who, "email", p.email(), Participant::setEmail, dropped),
                valid(who, "fax", p.fax(), Participant::setFax, dropped));
    }

    private static String valid(String who, String column, String value, java.util.function.BiConsumer<Participant, String> as,
            List<String> dropped) {
        String problem = check(value, as);
        if (problem == null) {
            return value;
        }
        dropped.add(who + "the " + column + " is left out: " + problem);
        return null;
    }

    /** The request rule's complaint about a value, or null when it passes (or is absent). */
    private static String check(String value, java.util.function.BiConsumer<Participant, String> as) {
        if (value == null) {
            return null;
        }
        Participant p = new Participant();
        as.accept(p, value);
        try {
            RequestRules.checkAddress(p);
            return null;
        } catch (RequestRejectedException e) {
            return e.getMessage();
        }
    }

    private static Person person(List<String> f) {
        return new Person(value(f.get(0)), value(f.get(1)), value(f.get(2)), value(f.get(3)), value(f.get(4)), value(f.get(5)));
    }

    private static boolean blankFrom(List<String> fields, int from) {
        return fields.subList(from, fields.size()).stream().allMatch(String::isBlank);
    }

    private static String value(String s) {
        String t = s.strip();
        return t.isEmpty() ? null : t;
    }
}
