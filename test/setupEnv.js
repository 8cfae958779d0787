// Tests run on Node 20 on purpose (Lambda runs 22): the AWS SDK's reminder adds nothing to test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
