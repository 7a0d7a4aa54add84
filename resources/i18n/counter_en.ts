<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
<context>
    <name>CaseTableModel</name>
    <message>
        <location filename="../../counter_app/ui/today_cases.py" line="25" />
        <source>办件编号</source>
        <translation>Case number</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/today_cases.py" line="26" />
        <source>事项</source>
        <translation>Matter</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/today_cases.py" line="27" />
        <source>申请人</source>
        <translation>Applicant</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/today_cases.py" line="28" />
        <source>状态</source>
        <translation>State</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/today_cases.py" line="29" />
        <source>接件时间</source>
        <translation>Received</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/today_cases.py" line="30" />
        <source>承诺办结</source>
        <translation>Due</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../counter_app/ui/main_window.py" line="84" />
        <source>{hall} · {window}号窗口 · 政务服务窗口系统</source>
        <translation>{hall} · Window {window} · Service Counter</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/main_window.py" line="90" />
        <source>受理 (Ctrl+N)</source>
        <translation>Intake (Ctrl+N)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/main_window.py" line="91" />
        <source>办件 (Ctrl+F)</source>
        <translation>Cases (Ctrl+F)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/main_window.py" line="93" />
        <source>今日办件 (Ctrl+T)</source>
        <translation>Today's cases (Ctrl+T)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/main_window.py" line="104" />
        <source>屏幕已锁定</source>
        <translation>Screen locked</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/main_window.py" line="113" />
        <source>{name}（工号 {number}）</source>
        <translation>{name} (No. {number})</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/main_window.py" line="114" />
        <source>{window}号窗口</source>
        <translation>Window {window}</translation>
    </message>
</context>
<context>
    <name>SetupWizard</name>
    <message>
        <location filename="../../counter_app/ui/setup_wizard.py" line="82" />
        <source>首次设置：窗口登记</source>
        <translation>First run: enroll this window</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/setup_wizard.py" line="84" />
        <source>本机尚未登记。请管理员填写大厅代码、窗口号、电子监察服务器地址和一次性登记码。</source>
        <translation>This window is not enrolled yet. An administrator enters the hall code, the window number, the supervision server address and the one-time enrollment code.</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/setup_wizard.py" line="102" />
        <source>登记本窗口</source>
        <translation>Enroll this window</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/setup_wizard.py" line="107" />
        <source>大厅代码</source>
        <translation>Hall code</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/setup_wizard.py" line="108" />
        <source>窗口号</source>
        <translation>Window number</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/setup_wizard.py" line="109" />
        <source>服务器地址</source>
        <translation>Server address</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/setup_wizard.py" line="110" />
        <source>登记码</source>
        <translation>Enrollment code</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/setup_wizard.py" line="126" />
        <source>正在登记……</source>
        <translation>Enrolling…</translation>
    </message>
</context>
<context>
    <name>TodayCases</name>
    <message>
        <location filename="../../counter_app/ui/today_cases.py" line="86" />
        <source>刷新 (F9)</source>
        <translation>Refresh (F9)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/today_cases.py" line="106" />
        <source>今日共 {n} 件</source>
        <translation>{n} cases today</translation>
    </message>
</context>
<context>
    <name>WindowStatusBar</name>
    <message>
        <location filename="../../counter_app/ui/status_bar.py" line="48" />
        <source>未连接</source>
        <translation>Not connected</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/status_bar.py" line="71" />
        <source>未连接服务器</source>
        <translation>Server not contacted yet</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/status_bar.py" line="73" />
        <source>在线</source>
        <translation>Online</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/status_bar.py" line="75" />
        <source>离线</source>
        <translation>Offline</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/status_bar.py" line="77" />
        <source>同步已停止 [{code}]</source>
        <translation>Sync stopped [{code}]</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/status_bar.py" line="99" />
        <source>已全部上报</source>
        <translation>All reported</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/status_bar.py" line="104" />
        <source>{n} 秒</source>
        <translation>{n} s</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/status_bar.py" line="106" />
        <source>{n} 分钟</source>
        <translation>{n} min</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/status_bar.py" line="108" />
        <source>{h} 小时 {m} 分</source>
        <translation>{h} h {m} min</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/status_bar.py" line="109" />
        <source>待上报 {n} 条，最早 {since}前</source>
        <translation>{n} waiting to report, oldest {since} ago</translation>
    </message>
</context>
<context>
    <name>faults</name>
    <message>
        <location filename="../../counter_app/ui/faults.py" line="35" />
        <source>程序内部错误，已记入日志，请联系技术支持</source>
        <translation>Internal error, logged; please call support</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/faults.py" line="46" />
        <source>出错了</source>
        <translation>Error</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/faults.py" line="118" />
        <source>程序内部错误：{kind}。详细信息已记入日志，请联系技术支持。</source>
        <translation>Internal error: {kind}. The details are in the log; please call support.</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/faults.py" line="124" />
        <source>程序出错</source>
        <translation>Program error</translation>
    </message>
</context>
<context>
    <name>login</name>
    <message>
        <location filename="../../counter_app/ui/login.py" line="60" />
        <source>工号</source>
        <translation>Number</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/login.py" line="61" />
        <source>密码</source>
        <translation>Password</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/login.py" line="86" />
        <source>请输入工号和密码</source>
        <translation>Enter your number and password</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/login.py" line="122" />
        <source>窗口登录</source>
        <translation>Window login</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/login.py" line="123" />
        <source>政务服务窗口系统</source>
        <translation>Service Counter</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/login.py" line="125" />
        <source>{hall} · {window}号窗口</source>
        <translation>{hall} · Window {window}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/login.py" line="129" />
        <source>登录</source>
        <translation>Log in</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/login.py" line="145" />
        <location filename="../../counter_app/ui/login.py" line="146" />
        <source>屏幕已锁定</source>
        <translation>Screen locked</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/login.py" line="148" />
        <source>{name}（工号 {number}）离开了窗口；本人或现场管理人员输入密码解锁</source>
        <translation>{name} (No. {number}) left the window; they or a supervisor unlock with a password</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/login.py" line="153" />
        <source>解锁</source>
        <translation>Unlock</translation>
    </message>
</context>
</TS>