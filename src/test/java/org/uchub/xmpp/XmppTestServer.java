package org.uchub.xmpp;

import java.nio.file.Path;

/** A real XMPP server the IM scenarios run against: Vysper in the JVM, or Prosody as a process. */
interface XmppTestServer extends AutoCloseable {
    int port();

    Path truststore();

    String truststorePassword();

    String domain();

    String muc();

    void addUser(String localpart, String password) throws Exception;

    /** Down for the given time, then up again with the same accounts. */
    void restart(long downMs) throws Exception;
}
