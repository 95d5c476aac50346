package org.uchub.soap;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.apache.cxf.binding.soap.SoapFault;
import org.apache.cxf.interceptor.Fault;
import org.apache.cxf.message.Message;
import org.apache.cxf.phase.AbstractPhaseInterceptor;
import org.apache.cxf.phase.Phase;
import org.apache.cxf.transport.http.AbstractHTTPDestination;
import jakarta.servlet.http.HttpServletRequest;
import org.uchub.request.ErrorCode;

/**
 * Refuses a SOAP request body larger than the limit: at once when its Content-Length says so,
 * and, for a chunked body, as soon as reading passes the limit, so a huge body is never
 * buffered whole.
 */
public class RequestSizeLimit extends AbstractPhaseInterceptor<Message> {
    /** Set on the message when its body passed the limit, so the fault can say so. */
    static final String EXCEEDED = "org.uchub.soap.tooLarge";
    private final long maxBytes;

    public RequestSizeLimit(long maxBytes) {
        super(Phase.RECEIVE);
        this.maxBytes = maxBytes;
    }

    @Override
    public void handleMessage(Message message) {
        Object http = message.get(AbstractHTTPDestination.HTTP_REQUEST);
        if (http instanceof HttpServletRequest request && request.getContentLengthLong() > maxBytes) {
            throw tooLarge();
        }
        InputStream in = message.getContent(InputStream.class);
        if (in != null) {
            message.setContent(InputStream.class, new Limited(in, message));
        }
    }

    private SoapFault tooLarge() {
        return SoapFaults.fault(ErrorCode.REQUEST_TOO_LARGE, "The request is larger than " + maxBytes + " bytes.");
    }

    private final class Limited extends FilterInputStream {
        private final Message message;
        private long count;

        Limited(InputStream in, Message message) {
            super(in);
            this.message = message;
        }

        private int counted(int n) throws IOException {
            if (n > 0) {
                count += n;
                if (count > maxBytes) {
                    message.put(EXCEEDED, Boolean.TRUE);
                    throw new IOException(new Fault(tooLarge()));
                }
            }
            return n;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                counted(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return counted(super.read(b, off, len));
        }
    }
}
