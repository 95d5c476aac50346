package org.uchub.boot;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.Test;

/**
 * With broker.external.plugins the hub believes the _UC_TENANT property. On a broker without
 * the plugin a sender could set it to any tenant, so the hub must refuse to start there.
 */
class TenantStampCheckTest {

    @Test
    void theHubRefusesToTrustTheStampOfABrokerWithoutThePlugin() throws Exception {
        EmbeddedActiveMQ plain = new EmbeddedActiveMQ();
        plain.setConfiguration(new ConfigurationImpl().setName("no-plugins").setPersistenceEnabled(false).setSecurityEnabled(false)
                .addAcceptorConfiguration("in-vm", "vm://91"));
        plain.start();
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> HubBootstrap.requireTenantStamp(new ActiveMQConnectionFactory("vm://91"), "uchub"));
            assertTrue(e.getMessage().contains("forged-by-sender"), e.getMessage());
        } finally {
            plain.stop();
        }
    }
}
