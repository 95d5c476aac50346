package org.uchub.soap;

import org.apache.cxf.interceptor.AttachmentOutInterceptor;
import org.apache.cxf.message.Message;
import org.apache.cxf.phase.AbstractPhaseInterceptor;
import org.apache.cxf.phase.Phase;

/**
 * Sends a response as MTOM (multipart/related, application/xop+xml) only when it carries
 * parts, that is a GetRecording answer. Every other response stays a plain SOAP envelope, so
 * a client stack without MTOM support can still call the other operations.
 */
final class MtomWhenAttached extends AbstractPhaseInterceptor<Message> {
    MtomWhenAttached() {
        super(Phase.PRE_STREAM);
        addBefore(AttachmentOutInterceptor.class.getName());
    }

    @Override
    public void handleMessage(Message message) {
        if (message.getAttachments() != null && !message.getAttachments().isEmpty()) {
            message.put(Message.MTOM_ENABLED, Boolean.TRUE);
        }
    }
}
