package org.uchub.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.Test;
import org.uchub.broker.TenantStampGate;

/**
 * With broker.external.plugins the hub believes the _UC_TENANT property. On a broker without
 * the plugin a sender could set it to any tenant, so the hub must not trust it there
 * (it refuses to start, or closes its JMS ingress: {@link org.uchub.ExternalBrokerGateTest}).
 */
class TenantStampCheckTest {

    @Test
    void theHubRefusesToTrustTheStampOfABrokerWithoutThePlugin() throws Exception {
        EmbeddedActiveMQ plain = new EmbeddedActiveMQ();
        plain.setConfiguration(new ConfigurationImpl().setName("no-plugins").setPersistenceEnabled(false).setSecurityEnabled(false)
                .addAcceptorConfiguration("in-vm", "vm://91"));
        plain.start();
        try {
            TenantStampGate.Verdict v = TenantStampGate.check(new ActiveMQConnectionFactory("vm://91"), "uchub");
            assertEquals(TenantStampGate.State.NOT_STAMPED, v.state());
            assertTrue(v.detail().contains("forged-by-sender"), v.detail());
        } finally {
            plain.stop();
        }
    }

    @Test
    void aBrokerThatRefusesTheHubsUserIsNotTakenForOneThatIsDown() throws Exception {
        EmbeddedActiveMQ secured = new EmbeddedActiveMQ();
        secured.setConfiguration(new ConfigurationImpl().setName("secured").setPersistenceEnabled(false).setSecurityEnabled(true)
                .addAcceptorConfiguration("in-vm", "vm://92"));
        secured.start();
        try {
            TenantStampGate.Verdict v = TenantStampGate.check(new ActiveMQConnectionFactory("vm://92", "uchub", "wrong"), "uchub");
            assertEquals(TenantStampGate.State.REFUSED, v.state(), v.detail());
        } finally {
            secured.stop();
        }
        assertEquals(TenantStampGate.State.UNREACHABLE,
                TenantStampGate.check(new ActiveMQConnectionFactory("tcp://127.0.0.1:" + org.uchub.HubTestSupport.freePort()), "uchub").state());
    }
}
