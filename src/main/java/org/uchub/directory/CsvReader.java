package org.uchub.directory;

import java.util.ArrayList;
import java.util.List;

/**
 * RFC 4180 records from text: fields in double quotes may hold the separator, line breaks and
 * doubled quotes. Lenient where hand-edited and Excel files differ from the RFC, strict only
 * where leniency would misread: LF, CRLF and CR all end a line; spaces around a quoted field are
 * dropped; a quote inside an unquoted field, or text after a closing quote, is kept as it is
 * (as Excel reads it). A quote still open at the end means a truncated or broken file, and is
 * an error rather than one last field swallowing the rest.
 */
final class CsvReader {
    /** One record and the line it starts on (counted from 1), for messages an operator can act on. */
    record Row(int line, List<String> fields) {
    }

    static final class UnclosedQuoteException extends Exception {
        final int line;

        UnclosedQuoteException(int line) {
            super("a quoted field opened on line " + line + " is never closed");
            this.line = line;
        }
    }

    private final String text;
    private final char separator;
    private int pos;
    private int line = 1;

    CsvReader(String text, char separator) {
        this.text = text;
        this.separator = separator;
    }

    /**
     * The next record, or null at the end. Blank lines and lines starting with '#' are skipped:
     * the shipped file explains itself in comment lines.
     */
    Row next() throws UnclosedQuoteException {
        skipBlankAndCommentLines();
        if (pos >= text.length()) {
            return null;
        }
        int start = line;
        List<String> fields = new ArrayList<>();
        while (true) {
            fields.add(field(start));
            if (pos < text.length() && text.charAt(pos) == separator) {
                pos++;
                continue;
            }
            endOfLine();
            return new Row(start, fields);
        }
    }

    private String field(int start) throws UnclosedQuoteException {
        int p = pos;
        while (p < text.length() && (text.charAt(p) == ' ' || text.charAt(p) == '\t')) {
            p++;
        }
        StringBuilder sb = new StringBuilder();
        if (p < text.length() && text.charAt(p) == '"') {
            pos = p + 1;
            quoted(sb, start);
            while (pos < text.length() && (text.charAt(pos) == ' ' || text.charAt(pos) == '\t')) {
                pos++;
            }
        }
        while (pos < text.length() && !atLineBreak() && text.charAt(pos) != separator) {
            sb.append(text.charAt(pos++));
        }
        return sb.toString();
    }

    private void quoted(StringBuilder sb, int start) throws UnclosedQuoteException {
        while (pos < text.length()) {
            char c = text.charAt(pos++);
            if (c == '"') {
                if (pos < text.length() && text.charAt(pos) == '"') {
                    sb.append('"');
                    pos++;
                    continue;
                }
                return;
            }
            if (c == '\n' || (c == '\r' && (pos >= text.length() || text.charAt(pos) != '\n'))) {
                line++;
            }
            sb.append(c);
        }
        throw new UnclosedQuoteException(start);
    }

    private boolean atLineBreak() {
        char c = text.charAt(pos);
        return c == '\n' || c == '\r';
    }

    private void endOfLine() {
        if (pos < text.length()) {
            if (text.charAt(pos) == '\r' && pos + 1 < text.length() && text.charAt(pos + 1) == '\n') {
                pos++;
            }
            pos++;
            line++;
        }
    }

    private void skipBlankAndCommentLines() {
        while (pos < text.length()) {
            int p = pos;
            while (p < text.length() && Character.isWhitespace(text.charAt(p)) && text.charAt(p) != '\n' && text.charAt(p) != '\r') {
                p++;
            }
            boolean comment = p < text.length() && text.charAt(p) == '#';
            if (!comment && p < text.length() && text.charAt(p) != '\n' && text.charAt(p) != '\r') {
                return;
            }
            pos = p;
            while (pos < text.length() && !atLineBreak()) {
                pos++;
            }
            endOfLine();
        }
    }
}
