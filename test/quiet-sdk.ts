// The SDK prints a notice that releases after January 2027 will need Node 22 (Lambda runs Node 22 already);
// it is true and known (see README), so tests keep their output for what they check.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
