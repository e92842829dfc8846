#include "yinxin/asn1/tag.h"

namespace yinxin::asn1 {

namespace {

const char* universal_name(std::uint32_t n) {
    switch (n) {
        case 0: return "END-OF-CONTENTS";
        case 1: return "BOOLEAN";
        case 2: return "INTEGER";
        case 3: return "BIT STRING";
        case 4: return "OCTET STRING";
        case 5: return "NULL";
        case 6: return "OBJECT IDENTIFIER";
        case 10: return "ENUMERATED";
        case 12: return "UTF8String";
        case 16: return "SEQUENCE";
        case 17: return "SET";
        case 18: return "NumericString";
        case 19: return "PrintableString";
        case 20: return "T61String";
        case 22: return "IA5String";
        case 23: return "UTCTime";
        case 24: return "GeneralizedTime";
        case 26: return "VisibleString";
        case 28: return "UniversalString";
        case 30: return "BMPString";
        default: return nullptr;
    }
}

}  // namespace

std::string Tag::to_string() const {
    std::string s;
    if (tag_class == TagClass::universal) {
        if (const char* name = universal_name(number)) {
            s = name;
        } else {
            s = "[UNIVERSAL " + std::to_string(number) + "]";
        }
        // Flag the unusual form so that error messages explain a mismatch.
        bool usual_constructed = number == 16 || number == 17;
        if (constructed != usual_constructed) s += constructed ? " cons" : " prim";
        return s;
    }
    switch (tag_class) {
        case TagClass::application: s = "[APPLICATION "; break;
        case TagClass::private_use: s = "[PRIVATE "; break;
        default: s = "["; break;
    }
    s += std::to_string(number);
    s += constructed ? "] cons" : "] prim";
    return s;
}

}  // namespace yinxin::asn1
