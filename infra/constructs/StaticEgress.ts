import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface StaticEgressProps {
  /**
   * Availability zones, each with a public subnet holding a NAT gateway and its Elastic IP, and a
   * private subnet for the functions. Two keep calls going when one zone fails.
   * @default 2
   */
  readonly zones?: number;
  /**
   * Retention of the VPC flow log (rejected traffic only).
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly flowLogRetention?: logs.RetentionDays;
}

/**
 * Fixed egress addresses for the functions that call brands' APIs (issue 20): banks and airlines
 * admit calls only from addresses they were told, and a Lambda function outside a VPC has none of
 * its own. The functions run in private subnets; their calls to the internet leave through one NAT
 * gateway per availability zone, each with an Elastic IP allocated here, so the addresses are known
 * before the first call and survive redeployments of the functions (they go with this construct).
 *
 * DynamoDB (a gateway endpoint, free) and SQS (an interface endpoint) are reached inside the VPC, so
 * callcard's own AWS traffic neither pays NAT's per-gigabyte charge nor leaves the VPC. LINE's and
 * Meta's APIs, X-Ray and the brands go through NAT. docs/DEPLOY.md, "Fixed egress addresses", says
 * what it costs.
 */
export class StaticEgress extends Construct {
  readonly vpc: ec2.Vpc;
  /** The Elastic IPs, one per zone: `ref` is the public address to give to brands. */
  readonly addresses: readonly ec2.CfnEIP[];
  /** The functions' security group: outbound to anywhere (brands on any port), inbound nothing. */
  readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: StaticEgressProps = {}) {
    super(scope, id);
    const zones = props.zones ?? 2;
    this.addresses = Array.from({ length: zones }, (_, index) => {
      const eip = new ec2.CfnEIP(this, `Address${index + 1}`, {
        domain: 'vpc',
        tags: [{ key: 'Name', value: `callcard egress ${index + 1}` }],
      });
      // Brands put these addresses in their allow lists: keep them if the stack is ever replaced.
      eip.applyRemovalPolicy(RemovalPolicy.RETAIN);
      return eip;
    });

    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.flowLogRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: zones,
      natGateways: zones,
      natGatewayProvider: ec2.NatProvider.gateway({ eipAllocationIds: this.addresses.map((eip) => eip.attrAllocationId) }),
      subnetConfiguration: [
        { name: 'nat', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'functions', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
      // Rejected traffic is what an investigation needs; accepted flows would log every brand call.
      flowLogs: {
        rejected: { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs), trafficType: ec2.FlowLogTrafficType.REJECT },
      },
      // Restricting the default security group takes a custom resource (a Lambda function of CDK's);
      // nothing here uses the default group: the functions and the endpoint have their own.
      restrictDefaultSecurityGroup: false,
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'Functions', {
      vpc: this.vpc,
      description: 'callcard functions that call brand APIs: no inbound, outbound through NAT and the VPC endpoints',
      allowAllOutbound: true,
    });

    const functionSubnets = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    this.vpc.addGatewayEndpoint('DynamoDb', { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB, subnets: [functionSubnets] });
    // Reached by the functions alone (not the whole VPC, CDK's default): HTTPS from their security group.
    const sqs = this.vpc.addInterfaceEndpoint('Sqs', {
      service: ec2.InterfaceVpcEndpointAwsService.SQS,
      subnets: functionSubnets,
      privateDnsEnabled: true,
      open: false,
    });
    sqs.connections.allowFrom(this.securityGroup, ec2.Port.tcp(443), 'callcard functions to SQS');
  }
}
