package org.uchub.soap;

import java.util.Map;
import javax.wsdl.Definition;
import javax.wsdl.Port;
import javax.wsdl.Service;
import javax.wsdl.extensions.soap.SOAPAddress;
import javax.wsdl.extensions.soap12.SOAP12Address;
import javax.xml.namespace.QName;
import org.apache.camel.component.cxf.jaxws.CxfConfigurer;
import org.apache.cxf.endpoint.Client;
import org.apache.cxf.endpoint.Server;
import org.apache.cxf.frontend.AbstractWSDLBasedEndpointFactory;
import org.apache.cxf.service.model.ServiceInfo;
import org.apache.cxf.wsdl11.WSDLServiceBuilder;

/**
 * Writes into the contract CXF serves as ?wsdl where each of its ports is reached, so the
 * ?wsdl one port serves names the other port right too.
 *
 * <p>CXF writes ?wsdl from the WSDL file as it parsed it (ServiceWSDLBuilder takes the service's
 * {@link WSDLServiceBuilder#WSDL_DEFINITION}), where every port has the file's address
 * (localhost:8080/uc/sessions...). {@code publishedEndpointUrl}, or else the request's URL,
 * replaces the serving port's address only; {@code autoRewriteSoapAddressForAllServices}
 * replaces the other ports' scheme, host and port but keeps their path
 * (WSDLGetUtils.rewriteAddressProtocolHostPort). Behind a proxy with a path prefix, or with
 * soap.address at another path than the file's, the SOAP 1.2 port was named at a path where
 * nothing answers. With the real path here, that rewrite yields the right address.
 */
final class PublishedPortAddresses implements CxfConfigurer {
    private final QName service;
    private final Map<String, String> addresses;

    /** @param addresses where each port of the service is reached, by the port's local name */
    PublishedPortAddresses(QName service, Map<String, String> addresses) {
        this.service = service;
        this.addresses = Map.copyOf(addresses);
    }

    @Override
    public void configureServer(Server server) {
        for (ServiceInfo info : server.getEndpoint().getService().getServiceInfos()) {
            Definition def = info.getProperty(WSDLServiceBuilder.WSDL_DEFINITION, Definition.class);
            Service wsdlService = def == null ? null : def.getService(service);
            if (wsdlService == null) {
                continue;
            }
            // Both ports' servers share this parsed file (the bus's WSDLManager caches it), and
            // CXF writes it under a lock on it, as here.
            synchronized (def) {
                for (Object p : wsdlService.getPorts().values()) {
                    Port port = (Port) p;
                    String address = addresses.get(port.getName());
                    if (address != null) {
                        setLocation(port, address);
                    }
                }
            }
        }
    }

    private static void setLocation(Port port, String address) {
        for (Object e : port.getExtensibilityElements()) {
            if (e instanceof SOAPAddress a) {
                a.setLocationURI(address);
            } else if (e instanceof SOAP12Address a) {
                a.setLocationURI(address);
            }
        }
    }

    @Override
    public void configure(AbstractWSDLBasedEndpointFactory factoryBean) {
        // nothing before the server is built
    }

    @Override
    public void configureClient(Client client) {
        // the endpoints are servers only
    }
}
